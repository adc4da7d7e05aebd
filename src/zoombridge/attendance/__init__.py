"""Attendance: who joined each meeting or webinar, when, for how long (join/leave segments
merged per person), from Zoom's participant reports and participant webhooks."""
