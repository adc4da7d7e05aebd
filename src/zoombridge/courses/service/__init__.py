"""The courses domain's business rules (see docs/courses.md): `structure` (organisations,
groups, courses, learners), `providers`, `course_events`, `enrolment`, `access` (learners'
sign-in and tokens) and `my_events`. Services take a session, never commit, never call Zoom."""
