"""The HTTP surface: REST API (/api/v1), web UI, Zoom webhook receiver."""
