"""The learners' own routes: ask for a sign-in link, exchange it for a learner token, and
`GET /api/v1/me/events`. Learner tokens work here only; staff tokens never do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from zoombridge.courses.models import Learner
from zoombridge.courses.schemas import (
    LearnerTokenOut,
    MyEventsOut,
    SignInExchange,
    SignInRequest,
)
from zoombridge.courses.service import access, my_events
from zoombridge.kit.http import SessionDep

router = APIRouter(prefix="/api/v1", tags=["learners' own view"])


async def _learner(request: Request, session: SessionDep) -> Learner:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    learner = (
        await access.learner_for_token(session, value.strip())
        if scheme.lower() == "bearer"
        else None
    )
    if learner is None:
        raise HTTPException(
            401,
            "Send a learner token as `Authorization: Bearer <token>` (sign in with the link "
            "emailed by POST /api/v1/learner/sign-in).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return learner


LearnerDep = Annotated[Learner, Depends(_learner)]


@router.post("/learner/sign-in", status_code=202)
async def request_sign_in(
    data: SignInRequest, request: Request, session: SessionDep
) -> dict[str, str]:
    """Emails a one-time sign-in link to a learner with this email (the answer is the same
    whether or not there is one)."""
    await access.request_sign_in(session, str(data.email), str(request.base_url))
    return {"detail": "If a learner has this email, a sign-in link is on its way."}


@router.post("/learner/token")
async def exchange(data: SignInExchange, session: SessionDep) -> LearnerTokenOut:
    """Uses the emailed link's token (once, before it expires) for a learner token."""
    _, token = await access.exchange(session, data.token)
    return token


@router.get("/me/events")
async def me_events(session: SessionDep, learner: LearnerDep) -> MyEventsOut:
    """The learner's upcoming and past events: sessions, their own join links, results."""
    return await my_events.my_events(session, learner)
