"""Courses and learners (MISSION L1–L3, E10): structure (organisations, groups, courses,
learners), providers, course events with sessions, enrolment onto Zoom, learners' sign-in and
their "my events". See docs/courses.md."""
