"""Learners' own access: an emailed one-time sign-in link (expiring, single use, stored as its
SHA-256 and, until the email is sent, encrypted) exchanged for a learner token (SHA-256 only)
that only the learner routes accept — never a staff route, and staff tokens never these."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.courses.models import Learner, LearnerSignIn, LearnerToken
from zoombridge.courses.schemas import LearnerTokenOut
from zoombridge.db.base import utc_now
from zoombridge.errors import invalid
from zoombridge.notifications import outbox

SIGN_IN_VALID = timedelta(minutes=30)
TOKEN_VALID = timedelta(days=30)
MAX_LINKS_PER_HOUR = 5
SIGN_IN_PREFIX = "zbs_"
TOKEN_PREFIX = "zbl_"  # noqa: S105 - a prefix, not a secret; learner tokens: never accepted where staff tokens are (zb_)
SIGN_IN_TEMPLATE = "learner_sign_in"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def request_sign_in(
    session: AsyncSession, email: str, base_url: str, now: datetime | None = None
) -> None:
    """Email a sign-in link to the learner with this email. Whether one exists is never told
    (the answer is the same), and at most a few links an hour go to one person."""
    now = now or utc_now()
    learner = await session.scalar(select(Learner).where(Learner.email == email.strip().lower()))
    if learner is None:
        return
    recent = await session.scalar(
        select(func.count())
        .select_from(LearnerSignIn)
        .where(
            LearnerSignIn.learner_id == learner.id,
            LearnerSignIn.created_at > now - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_LINKS_PER_HOUR:
        return
    token = SIGN_IN_PREFIX + secrets.token_urlsafe(32)
    row = LearnerSignIn(
        learner_id=learner.id,
        token_hash=digest(token),
        token=token,
        base_url=base_url.rstrip("/")[:255],
        expires_at=now + SIGN_IN_VALID,
    )
    session.add(row)
    await session.flush()
    await outbox.enqueue(
        session,
        SIGN_IN_TEMPLATE,
        learner.email,
        to_name=learner.name,
        context={"sign_in_id": str(row.id)},
    )


_NOT_VALID = (
    "This sign-in link is not valid: it expired, was used already, or is not ours. Ask for a "
    "new one on the sign-in page."
)


async def exchange(
    session: AsyncSession, token: str, now: datetime | None = None
) -> tuple[Learner, LearnerTokenOut]:
    """Use a sign-in link once: the learner and a new learner token (shown once)."""
    now = now or utc_now()
    row = await session.scalar(
        select(LearnerSignIn)
        .where(LearnerSignIn.token_hash == digest(token.strip()))
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise invalid("token", _NOT_VALID)
    row.used_at = now
    row.token = None  # nothing left to send: the encrypted copy goes
    learner = await session.get(Learner, row.learner_id)
    if learner is None:  # pragma: no cover - cascade
        raise invalid("token", _NOT_VALID)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + TOKEN_VALID
    session.add(LearnerToken(learner_id=learner.id, token_hash=digest(plain), expires_at=expires))
    await session.flush()
    return learner, LearnerTokenOut(token=plain, expires_at=expires)


async def learner_for_token(
    session: AsyncSession, token: str, now: datetime | None = None
) -> Learner | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = now or utc_now()
    row = await session.scalar(select(LearnerToken).where(LearnerToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return await session.get(Learner, row.learner_id)


async def sign_in_values(session: AsyncSession, sign_in_id: object) -> dict[str, str] | None:
    """The values of a sign-in email while its link can still be used (else None)."""
    try:
        row = await session.get(LearnerSignIn, uuid.UUID(str(sign_in_id)))
    except ValueError:
        return None
    if row is None or row.token is None or row.used_at is not None or row.expires_at <= utc_now():
        return None
    learner = await session.get(Learner, row.learner_id)
    if learner is None:
        return None
    return {
        "learner_name": learner.name,
        "learner_first_name": learner.first_name,
        "sign_in_url": f"{row.base_url}/learn/sign-in/confirm?token={row.token.get_secret_value()}",
        "valid_minutes": str(int(SIGN_IN_VALID.total_seconds() // 60)),
    }
