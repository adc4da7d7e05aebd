"""Zoom connections: the Server-to-Server OAuth credentials of each connected Zoom account."""
