"""What the register action must know of a webinar, read fresh from Zoom: the webinar (host,
alternative hosts, links, recording setting), its panelists and its registration form."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import ContactWebinar
from zoombridge.engine import audit
from zoombridge.engine.context import SyncContext
from zoombridge.zoom import RegistrationNotEnabled, ZoomClient, ZoomError
from zoombridge.zoom.models import Meeting

_SEPARATORS = re.compile(r"[;,\s]+")


@dataclass(frozen=True)
class Facts:
    webinar: Meeting
    panelists: list[str]
    required_fields: list[str]

    @property
    def alternative_hosts(self) -> list[str]:
        raw = self.webinar.settings.alternative_hosts if self.webinar.settings else None
        return [e.lower() for e in _SEPARATORS.split(raw or "") if "@" in e]


async def read_facts(
    ctx: SyncContext, zoom: ZoomClient, zoom_webinar_id: int, subjects: audit.Subjects
) -> Facts:
    """Three calls (webinar, panelists, form), each audited; a form Zoom refuses because the
    webinar takes no registration counts as asking nothing."""
    entries: list[tuple[str, ZoomError | None, str, int]] = []

    started = time.monotonic()
    try:
        webinar = await zoom.get_meeting("webinar", zoom_webinar_id)
        entries.append(("webinar", None, f"Webinar {webinar.topic!r} read.", _ms(started)))
        started = time.monotonic()
        panelists = [p.email.lower() for p in await zoom.list_panelists(zoom_webinar_id) if p.email]
        entries.append(("webinarPanelists", None, f"{len(panelists)} panelist(s).", _ms(started)))
        started = time.monotonic()
        try:
            form = await zoom.get_registration_form(zoom_webinar_id)
            required = form.required_beyond_name_and_email()
        except RegistrationNotEnabled:
            required = []
        entries.append(
            (
                "webinarRegistrantsQuestionsGet",
                None,
                f"Registration form: {', '.join(required) or 'first name, last name, email'}.",
                _ms(started),
            )
        )
    except ZoomError as exc:
        entries.append((exc.operation_id or "webinar", exc, "", _ms(started)))
        await _record(ctx, entries, subjects)
        raise
    await _record(ctx, entries, subjects)
    return Facts(webinar, panelists, required)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def _record(
    ctx: SyncContext,
    entries: list[tuple[str, ZoomError | None, str, int]],
    subjects: audit.Subjects,
) -> None:
    async def work(session: AsyncSession) -> None:
        for operation, error, message, ms in entries:
            audit.record(session, operation, subjects, error=error, message=message, duration_ms=ms)

    await ctx.transaction(work)


def apply_facts(webinar: ContactWebinar, facts: Facts, now: datetime) -> None:
    zoom = facts.webinar
    webinar.topic = (zoom.topic or webinar.topic)[:255]
    webinar.zoom_type = zoom.type or webinar.zoom_type
    if zoom.start_time is not None:
        webinar.start_at = zoom.start_time
    webinar.duration_minutes = zoom.duration or webinar.duration_minutes
    webinar.timezone = zoom.timezone or webinar.timezone
    webinar.join_url = zoom.join_url or webinar.join_url
    webinar.registration_url = zoom.registration_url or webinar.registration_url
    if zoom.host_email:
        webinar.host_email = zoom.host_email.lower()
    webinar.auto_recording = zoom.settings.auto_recording if zoom.settings else None
    webinar.alternative_hosts = facts.alternative_hosts
    webinar.panelists = facts.panelists
    webinar.required_fields = facts.required_fields
    webinar.facts_at = now
    webinar.gone_at = None


def subjects_of(connection_id: uuid.UUID, webinar_id: uuid.UUID) -> audit.Subjects:
    return {"connection": connection_id, "webinar": webinar_id}
