"""zoombridge: tickets, bookings, courses and CRM contacts kept in sync with Zoom."""

__version__ = "0.1.0"
