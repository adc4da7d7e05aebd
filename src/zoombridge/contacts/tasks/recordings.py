"""A webinar's recordings: one per ended instance that someone attended, when the host's
"sync recordings and transcripts" is on.

Zoom answers "no recording" (3301) both while a cloud recording is still being processed and
when there is none. It is taken as **still processing** when the webinar records to the cloud
and the instance ended less than a day ago (the sync looks again in 10 minutes, and Zoom's
`recording.completed` webhook brings it forward); otherwise as **unavailable or deleted**. A
recording without a transcript file is noted under errors ("transcript not found").
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import ContactRecording, NoteCategory, RecordingStatus
from zoombridge.contacts.tasks.run import Chunk, Run, hold
from zoombridge.engine import audit
from zoombridge.engine.context import SyncContext
from zoombridge.zoom import NotFound, ZoomClient, ZoomError
from zoombridge.zoom.models import PastInstance, Recording

PROCESSING_FOR = timedelta(hours=24)
RECHECK = timedelta(minutes=10)
VIDEO_TYPES = ("MP4", "M4A")


def _when(instance: PastInstance) -> str:
    return f"{instance.start_time:%Y-%m-%d %H:%M} UTC" if instance.start_time else instance.uuid


def _may_still_come(run: Run, instance: PastInstance, now: datetime) -> bool:
    start = instance.start_time or run.job.start_at
    if run.auto_recording != "cloud" or start is None:
        return False
    return start + timedelta(seconds=run.job.duration_seconds) + PROCESSING_FOR > now


async def sync_recordings(
    ctx: SyncContext, run: Run, zoom: ZoomClient, instances: list[tuple[PastInstance, int]]
) -> None:
    job = run.job
    chunk = run.chunk()
    found: list[tuple[PastInstance, RecordingStatus, Recording | None]] = []
    if not job.sync_recordings:
        chunk.note(
            NoteCategory.SYNC_DISABLED,
            "recordings_off",
            job.host_email or "the host",
            "the host's 'sync recordings and transcripts' switch is off",
        )
    else:
        for instance, people in instances:
            if people == 0:
                chunk.note(
                    NoteCategory.RECORDING_NOT_SYNCED,
                    "no_attendees",
                    _when(instance),
                    "nobody attended this instance, so its recording is not synced",
                )
                continue
            recording = await _read(ctx, run, zoom, instance)
            now = ctx.now()
            if recording is not None and recording.recording_files:
                found.append((instance, RecordingStatus.AVAILABLE, recording))
            elif _may_still_come(run, instance, now):
                found.append((instance, RecordingStatus.PROCESSING, None))
                chunk.note(
                    NoteCategory.RECORDING_NOT_SYNCED,
                    "processing",
                    _when(instance),
                    "Zoom has not finished the cloud recording yet; looked at again in 10 minutes",
                )
                run.soon(RECHECK, "recording")
            else:
                found.append((instance, RecordingStatus.UNAVAILABLE, None))
                chunk.note(
                    NoteCategory.RECORDING_NOT_SYNCED,
                    "unavailable",
                    _when(instance),
                    "Zoom has no recording of this instance (none was made, or it was deleted)",
                )

    async def work(session: AsyncSession) -> None:
        await hold(ctx, session, job)
        for instance, status, recording in found:
            await _store(ctx, session, run, chunk, instance, status, recording)
        await chunk.write(session)

    await ctx.transaction(work)
    run.keep(chunk)


async def _read(
    ctx: SyncContext, run: Run, zoom: ZoomClient, instance: PastInstance
) -> Recording | None:
    started = time.monotonic()
    error: ZoomError | None = None
    recording: Recording | None = None
    try:
        recording = await zoom.get_recordings(instance.uuid)
    except NotFound as exc:
        error = exc
    except ZoomError as exc:
        error = exc
        raise
    finally:
        ms = int((time.monotonic() - started) * 1000)
        files = len(recording.recording_files) if recording is not None else 0

        async def work(session: AsyncSession) -> None:
            audit.record(
                session,
                "recordingGet",
                run.job.subjects,
                error=error,
                message=f"Recording of {_when(instance)}: {files} file(s).",
                items=max(1, files),
                duration_ms=ms,
            )

        await ctx.transaction(work)
    return recording


async def _store(
    ctx: SyncContext,
    session: AsyncSession,
    run: Run,
    chunk: Chunk,
    instance: PastInstance,
    status: RecordingStatus,
    recording: Recording | None,
) -> None:
    job = run.job
    row = await session.scalar(
        select(ContactRecording).where(
            ContactRecording.webinar_id == job.webinar_id,
            ContactRecording.instance_uuid == instance.uuid[:64],
        )
    )
    if row is None:
        row = ContactRecording(webinar_id=job.webinar_id, instance_uuid=instance.uuid[:64])
        session.add(row)
    if row.status is RecordingStatus.AVAILABLE and status is not RecordingStatus.AVAILABLE:
        status = RecordingStatus.UNAVAILABLE  # it was there: deleted since
    row.status = status
    row.topic = (recording.topic if recording and recording.topic else job.topic)[:255]
    row.start_at = (recording.start_time if recording else None) or instance.start_time
    if recording is None or status is not RecordingStatus.AVAILABLE:
        return
    files = recording.recording_files
    video = next((f for f in files if f.file_type in VIDEO_TYPES and f.play_url), None)
    row.url = (video or files[0]).play_url or files[0].download_url
    transcript = next((f for f in files if f.file_type == "TRANSCRIPT"), None)
    row.transcript_url = (transcript.download_url or transcript.play_url) if transcript else None
    row.available_at = row.available_at or ctx.now()
    chunk.counts["recordings"] += 1
    if transcript is None:
        chunk.note(
            NoteCategory.ERRORS,
            "transcript_not_found",
            _when(instance),
            "the recording has no transcript file (is audio transcription on in Zoom?)",
        )
