"""Synced webinars (H2, H7, H8): their switch, "sync now", the audit of each sync, and the
attendees no contact was credited with (guests without an email …), linked by hand."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.exclusions import LABELS as REASON_LABELS
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRegistration,
    ContactSync,
    ContactSyncNote,
    ContactWebinar,
    NoteCategory,
    RegistrationStatus,
)
from zoombridge.contacts.schemas import (
    CategoryOut,
    NoteOut,
    NotSyncedAttendeeOut,
    ReasonOut,
    SyncOut,
    WebinarOut,
)
from zoombridge.contacts.service import properties
from zoombridge.errors import Conflict, NotFoundError, invalid

CATEGORY_LABELS = {
    NoteCategory.SYNC_DISABLED: "Some webinar data was not synced because a sync setting is off",
    NoteCategory.RECORDING_NOT_SYNCED: "Webinar recording/transcript not synced",
    NoteCategory.ATTENDEES_NOT_SYNCED: "Some attendees not synced",
    NoteCategory.DATA_NOT_SYNCED: "Some webinar data not synced",
    NoteCategory.EMAILS_EXCLUDED: "Some emails were excluded from the webinar sync",
    NoteCategory.ERRORS: "Some webinar data was not synced because of an error",
}
NOTE_LABELS = {
    **REASON_LABELS,
    "global_switch": "the global 'sync webinar data' switch is off",
    "hosts_none": "no hosts of the connection are synced",
    "host_not_selected": "the webinar's host is not selected",
    "webinar_off": "sync is switched off for this webinar",
    "recordings_off": "recordings and transcripts are switched off for the host",
    "no_attendees": "nobody attended",
    "unavailable": "unavailable or deleted",
    "processing": "still processing",
    "no_participant_data": "Zoom has no participant data",
    "invalid_email": "invalid email",
    "unavailable_in_zoom": "data unavailable in Zoom",
    "transcript_not_found": "transcript not found",
    "timeline_not_written": "timeline entry not written",
    "property_not_updated": "property not updated",
    "zoom_data_not_found": "connected Zoom account data not found",
}
NOTES_SHOWN = 200


async def get_webinar(session: AsyncSession, webinar_id: uuid.UUID) -> ContactWebinar:
    webinar = await session.get(ContactWebinar, webinar_id)
    if webinar is None:
        raise NotFoundError("No synced webinar has this id.")
    return webinar


async def views(session: AsyncSession, webinars: list[ContactWebinar]) -> list[WebinarOut]:
    ids = [w.id for w in webinars]
    registrations: dict[uuid.UUID, int] = {}
    attendees: dict[uuid.UUID, int] = defaultdict(int)
    skipped: dict[uuid.UUID, int] = defaultdict(int)
    if ids:
        counted = await session.execute(
            select(ContactRegistration.webinar_id, func.count())
            .where(
                ContactRegistration.webinar_id.in_(ids),
                ContactRegistration.status != RegistrationStatus.CANCELLED,
            )
            .group_by(ContactRegistration.webinar_id)
        )
        registrations = {webinar_id: n for webinar_id, n in counted}
        grouped = await session.execute(
            select(
                ContactAttendance.webinar_id,
                ContactAttendance.contact_id.is_(None),
                func.count(),
            )
            .where(ContactAttendance.webinar_id.in_(ids))
            .group_by(ContactAttendance.webinar_id, ContactAttendance.contact_id.is_(None))
        )
        for webinar_id, without_contact, n in grouped:
            attendees[webinar_id] += n
            if without_contact:
                skipped[webinar_id] += n
    return [
        WebinarOut(
            id=w.id,
            connection_id=w.connection_id,
            zoom_webinar_id=w.zoom_webinar_id,
            topic=w.topic,
            start_at=w.start_at,
            duration_minutes=w.duration_minutes,
            timezone=w.timezone,
            host_email=w.host_email,
            created_by_zoombridge=w.created_by_zoombridge,
            sync_enabled=w.sync_enabled,
            sync_due=w.sync_due,
            next_sync_at=w.not_before if w.sync_due else None,
            synced_at=w.synced_at,
            last_error=w.last_error,
            ended=w.ended,
            join_url=w.join_url,
            registration_url=w.registration_url,
            registrations=registrations.get(w.id, 0),
            attendees=attendees[w.id],
            not_synced_attendees=skipped[w.id],
        )
        for w in webinars
    ]


async def list_webinars(
    session: AsyncSession, connection_id: uuid.UUID | None = None
) -> list[ContactWebinar]:
    query = select(ContactWebinar).order_by(
        ContactWebinar.start_at.desc().nulls_last(), ContactWebinar.topic
    )
    if connection_id is not None:
        query = query.where(ContactWebinar.connection_id == connection_id)
    return list(await session.scalars(query))


def _due_now(webinar: ContactWebinar, trigger: str) -> None:
    webinar.sync_due, webinar.sync_trigger = True, trigger
    webinar.not_before, webinar.attempts, webinar.last_error = None, 0, None


async def request_sync(session: AsyncSession, webinar_id: uuid.UUID) -> ContactWebinar:
    """Sync now (H8): the worker syncs it at its next pass, whatever was planned."""
    webinar = await get_webinar(session, webinar_id)
    _due_now(webinar, "sync_now")
    await session.flush()
    return webinar


async def set_sync_enabled(
    session: AsyncSession, webinar_id: uuid.UUID, enabled: bool
) -> ContactWebinar:
    webinar = await get_webinar(session, webinar_id)
    if enabled and not webinar.sync_enabled:
        _due_now(webinar, "switched_on")
    webinar.sync_enabled = enabled
    await session.flush()
    return webinar


async def syncs(session: AsyncSession, webinar_id: uuid.UUID, limit: int = 20) -> list[SyncOut]:
    """The latest syncs of the webinar, newest first, each with its notes by category."""
    await get_webinar(session, webinar_id)
    runs = list(
        await session.scalars(
            select(ContactSync)
            .where(ContactSync.webinar_id == webinar_id)
            .order_by(ContactSync.started_at.desc(), ContactSync.id)
            .limit(limit)
        )
    )
    return [await sync_view(session, run) for run in runs]


async def sync_view(session: AsyncSession, run: ContactSync) -> SyncOut:
    counts = await session.execute(
        select(ContactSyncNote.category, ContactSyncNote.reason, func.count())
        .where(ContactSyncNote.sync_id == run.id)
        .group_by(ContactSyncNote.category, ContactSyncNote.reason)
    )
    by_category: dict[NoteCategory, list[ReasonOut]] = defaultdict(list)
    for category, reason, n in counts:
        notes = await session.execute(
            select(ContactSyncNote.subject, ContactSyncNote.detail)
            .where(
                ContactSyncNote.sync_id == run.id,
                ContactSyncNote.category == category,
                ContactSyncNote.reason == reason,
            )
            .order_by(ContactSyncNote.subject)
            .limit(NOTES_SHOWN)
        )
        by_category[NoteCategory(category)].append(
            ReasonOut(
                reason=reason,
                label=NOTE_LABELS.get(reason, reason),
                count=n,
                notes=[NoteOut(subject=s, detail=d) for s, d in notes],
            )
        )
    categories = [
        CategoryOut(
            category=category,
            label=CATEGORY_LABELS[category],
            count=sum(r.count for r in by_category[category]),
            reasons=sorted(by_category[category], key=lambda r: r.reason),
        )
        for category in NoteCategory
        if category in by_category
    ]
    return SyncOut(
        id=run.id,
        trigger=run.trigger,
        started_at=run.started_at,
        finished_at=run.finished_at,
        outcome=run.outcome,
        counts=dict(run.counts or {}),
        message=run.message,
        categories=categories,
    )


async def not_synced_attendees(
    session: AsyncSession, webinar_id: uuid.UUID
) -> list[NotSyncedAttendeeOut]:
    """Attendees credited to no contact (no email, excluded …), and those linked by hand."""
    await get_webinar(session, webinar_id)
    rows = await session.scalars(
        select(ContactAttendance)
        .where(
            ContactAttendance.webinar_id == webinar_id,
            (ContactAttendance.contact_id.is_(None)) | ContactAttendance.linked_by_hand,
        )
        .order_by(ContactAttendance.name, ContactAttendance.person_key)
    )
    return [
        NotSyncedAttendeeOut(
            id=a.id,
            name=a.name,
            email=a.email,
            reason="linked by hand"
            if a.linked_by_hand
            else NOTE_LABELS.get(a.not_synced or "", ""),
            minutes=round(a.attended_seconds / 60, 1),
            percent=a.percent,
            instance_start=a.instance_start,
            contact_id=a.contact_id,
        )
        for a in rows
    ]


async def link_attendee(
    session: AsyncSession, webinar_id: uuid.UUID, attendance_id: uuid.UUID, contact_id: uuid.UUID
) -> ContactAttendance:
    """Credit an attendee no contact was found for (a guest without an email) to a contact;
    the next syncs keep the link."""
    attendance = await session.get(ContactAttendance, attendance_id)
    if attendance is None or attendance.webinar_id != webinar_id:
        raise NotFoundError("No attendee of this webinar has this id.")
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise invalid("contact_id", "No contact has this id.")
    if contact.deleted_at is not None:
        raise Conflict("This contact is deleted; restore it first.")
    previous = attendance.contact_id
    attendance.contact_id, attendance.linked_by_hand, attendance.not_synced = contact.id, True, None
    await session.flush()
    await properties.recompute(session, [c for c in (previous, contact.id) if c is not None])
    return attendance


async def by_zoom_id(session: AsyncSession, zoom_webinar_id: int) -> ContactWebinar | None:
    return await session.scalar(
        select(ContactWebinar)
        .where(ContactWebinar.zoom_webinar_id == zoom_webinar_id)
        .order_by(ContactWebinar.gone_at.is_not(None), ContactWebinar.created_at)
        .limit(1)
    )
