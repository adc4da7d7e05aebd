"""Results and completion (MISSION L5): attendance per learner × session from the Zoom reports
and webhooks the attendance domain stored, completion rules, overrides, exports, and xAPI
statements to a Learning Record Store. See docs/courses.md."""
