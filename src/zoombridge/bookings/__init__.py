"""Bookings (B1–B5): services, staff mapped to Zoom users, and bookings with their own meeting."""
