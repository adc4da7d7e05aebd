"""Emails (booking notifications, event tickets, reminders) sent by the worker through SMTP."""
