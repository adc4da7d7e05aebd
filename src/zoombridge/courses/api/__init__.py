"""REST API of the courses domain (`/api/v1`): structure and learners, providers, course events
and enrolment (staff tokens, each route naming the permission it needs), and the learners' own
routes (sign-in link, learner token, `GET /api/v1/me/events`)."""

from __future__ import annotations

from fastapi import APIRouter

from zoombridge.courses.api import events, learner, structure

router = APIRouter()
for module in (structure, events, learner):
    router.include_router(module.router)
