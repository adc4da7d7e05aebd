"""Contacts: webinar registrations and attendance become contact records (MISSION H1–H9)."""
