"""Meetings happening: start, people joining and leaving, end, recordings (driven by /_sim).

Each join opens a segment and each leave closes it; a rejoin opens a new segment, as Zoom
reports a person who drops and comes back as several rows.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from zoombridge.simulator import ids
from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.meeting_views import event_object, what
from zoombridge.simulator.runtime import Simulation
from zoombridge.simulator.state import Instance, Meeting, Participant, Recording, Segment


class LifecycleError(Exception):
    """A lifecycle request that cannot be carried out; the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def find(sim: Simulation, meeting_id: str) -> Meeting:
    try:
        meeting = sim.world.meetings.get(int(meeting_id))
    except ValueError:
        meeting = None
    if meeting is None or meeting.deleted:
        raise LifecycleError(404, f"No meeting or webinar with id {meeting_id}.")
    return meeting


def _emit(sim: Simulation, meeting: Meeting, event: str, obj: dict[str, Any]) -> None:
    sim.webhooks.emit(meeting.account_id, f"{what(meeting.kind)}.{event}", obj)


def start(
    sim: Simulation, meeting: Meeting, uuid: str | None, occurrence_id: str | None
) -> Instance:
    if meeting.live_instance is not None:
        raise LifecycleError(409, f"{what(meeting.kind).title()} {meeting.id} is already live.")
    if occurrence_id is not None and occurrence_id not in meeting.occurrences:
        raise LifecycleError(400, f"{meeting.id} has no occurrence {occurrence_id}.")
    uuid = uuid or ids.instance_uuid(sim.rng)
    if uuid in sim.world.instances:
        raise LifecycleError(409, f"An instance with uuid {uuid} already exists.")
    instance = Instance(uuid, meeting.id, sim.clock.now().replace(microsecond=0), occurrence_id)
    meeting.instances.append(instance)
    sim.world.instances[uuid] = instance
    _emit(
        sim,
        meeting,
        "started",
        # Zoom's own meeting.started example carries the id as a string; so do we here.
        event_object(meeting)
        | {"id": str(meeting.id), "uuid": uuid, "start_time": zoom_time(instance.start)},
    )
    return instance


def _live(meeting: Meeting) -> Instance:
    instance = meeting.live_instance
    if instance is None:
        raise LifecycleError(409, f"{what(meeting.kind).title()} {meeting.id} is not live.")
    return instance


def _registrant_id(meeting: Meeting, email: str, given: str | None) -> str:
    if given:
        return given
    if email:
        rid = meeting.registrants_by_email.get(email.lower())
        if rid is not None:
            return rid
    return ""


def _account_user_id(sim: Simulation, meeting: Meeting, email: str) -> str:
    user = sim.world.users_by_email.get(email.lower()) if email else None
    return user.id if user is not None and user.account_id == meeting.account_id else ""


def join(
    sim: Simulation,
    meeting: Meeting,
    *,
    name: str,
    email: str,
    registrant_id: str | None,
    participant_uuid: str | None,
) -> tuple[Participant, Segment]:
    instance = _live(meeting)
    person = instance.participants.get(participant_uuid) if participant_uuid else None
    if person is None:
        person = Participant(
            participant_uuid=participant_uuid or ids.short_id(sim.rng),
            name=name,
            email=email,
            registrant_id=_registrant_id(meeting, email, registrant_id),
            user_id=_account_user_id(sim, meeting, email),
        )
        instance.participants[person.participant_uuid] = person
    elif person.segments and person.segments[-1].leave is None:
        raise LifecycleError(409, f"Participant {person.participant_uuid} is already in.")
    segment = Segment(
        user_id=str(16_778_240 + sim.rng.randint(0, 10**7)),
        join=sim.clock.now().replace(microsecond=0),
    )
    person.segments.append(segment)
    _emit(
        sim, meeting, "participant_joined", _participant_object(meeting, instance, person, segment)
    )
    return person, segment


def leave(sim: Simulation, meeting: Meeting, participant_uuid: str) -> tuple[Participant, Segment]:
    instance = _live(meeting)
    person = instance.participants.get(participant_uuid)
    if person is None or not person.segments or person.segments[-1].leave is not None:
        raise LifecycleError(409, f"Participant {participant_uuid} is not in the meeting.")
    segment = person.segments[-1]
    segment.leave = sim.clock.now().replace(microsecond=0)
    _emit(sim, meeting, "participant_left", _participant_object(meeting, instance, person, segment))
    return person, segment


def _participant_object(
    meeting: Meeting, instance: Instance, person: Participant, segment: Segment
) -> dict[str, Any]:
    participant: dict[str, Any] = {
        "user_id": segment.user_id,
        "user_name": person.name,
        "id": person.user_id,
        "participant_uuid": person.participant_uuid,
        "registrant_id": person.registrant_id,
        "email": person.email,
        "participant_user_id": person.user_id,
    }
    if segment.leave is None:
        participant["join_time"] = zoom_time(segment.join)
    else:
        participant["leave_time"] = zoom_time(segment.leave)
        participant["leave_reason"] = "left the meeting"
    return {
        "id": str(meeting.id),
        "uuid": instance.uuid,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": zoom_time(instance.start),
        "timezone": meeting.timezone,
        "duration": meeting.duration,
        "participant": participant,
    }


def end(sim: Simulation, meeting: Meeting) -> Instance:
    instance = _live(meeting)
    now = sim.clock.now().replace(microsecond=0)
    for person in instance.participants.values():
        for segment in person.segments:
            if segment.leave is None:
                segment.leave = now
    instance.end = now
    obj = event_object(meeting) | {
        "id": str(meeting.id),
        "uuid": instance.uuid,
        "start_time": zoom_time(instance.start),
        "end_time": zoom_time(now),
    }
    _emit(sim, meeting, "ended", obj)
    return instance


def attendance(
    sim: Simulation, meeting: Meeting, people: list[dict[str, Any]], uuid: str | None
) -> Instance:
    """A whole finished instance at once, without per-event webhooks (for benchmarks)."""
    if meeting.live_instance is not None:
        raise LifecycleError(409, f"{what(meeting.kind).title()} {meeting.id} is live.")
    longest = 0.0
    for person in people:
        for pair in person.get("segments", []):
            if not (isinstance(pair, list | tuple) and len(pair) == 2 and pair[0] <= pair[1]):
                raise LifecycleError(
                    400, f"Bad segment {pair!r}: use [join_offset_s, leave_offset_s]."
                )
            longest = max(longest, float(pair[1]))
    now = sim.clock.now().replace(microsecond=0)
    started = now - timedelta(seconds=longest)
    uuid = uuid or ids.instance_uuid(sim.rng)
    if uuid in sim.world.instances:
        raise LifecycleError(409, f"An instance with uuid {uuid} already exists.")
    instance = Instance(uuid, meeting.id, started, end=now)
    for person in people:
        name = str(person.get("name") or "Guest")
        email = str(person.get("email") or "")
        participant = Participant(
            participant_uuid=str(person.get("participant_uuid") or ids.short_id(sim.rng)),
            name=name,
            email=email,
            registrant_id=_registrant_id(meeting, email, person.get("registrant_id")),
            user_id=_account_user_id(sim, meeting, email),
        )
        for join_s, leave_s in person.get("segments", []):
            participant.segments.append(
                Segment(
                    user_id=str(16_778_240 + sim.rng.randint(0, 10**7)),
                    join=started + timedelta(seconds=float(join_s)),
                    leave=started + timedelta(seconds=float(leave_s)),
                )
            )
        instance.participants[participant.participant_uuid] = participant
    meeting.instances.append(instance)
    sim.world.instances[uuid] = instance
    return instance


def record(sim: Simulation, meeting: Meeting, uuid: str | None) -> Instance:
    if uuid is not None:
        instance = sim.world.instances.get(uuid)
        if instance is None or instance.meeting_id != meeting.id:
            raise LifecycleError(404, f"No instance {uuid} of {meeting.id}.")
    else:
        ended = meeting.ended_instances
        if not ended:
            raise LifecycleError(409, f"{meeting.id} has no ended instance to record.")
        instance = ended[-1]
    assert instance.end is not None or instance.live
    start_at = instance.start
    end_at = instance.end or sim.clock.now()
    instance.recording = Recording(
        id=ids.short_id(sim.rng),
        start=start_at,
        end=end_at,
        files=_files(sim, meeting, instance, start_at, end_at),
        download_token=secrets.token_urlsafe(32),
        password=ids.short_id(sim.rng)[:8],
    )
    host = sim.world.users[meeting.host_id]
    recording = recording_object(meeting, instance, host.email)
    sim.webhooks.emit(
        meeting.account_id,
        "recording.completed",
        recording,
        extra_body={"download_token": instance.recording.download_token},
    )
    return instance


def _files(
    sim: Simulation, meeting: Meeting, instance: Instance, start_at: datetime, end_at: datetime
) -> list[dict[str, Any]]:
    files = []
    kinds = (
        ("MP4", "MP4", "shared_screen_with_speaker_view"),
        ("M4A", "M4A", "audio_only"),
        ("TRANSCRIPT", "VTT", "audio_transcript"),
    )
    for file_type, extension, recording_type in kinds:
        file_id = ids.short_id(sim.rng)
        files.append(
            {
                "id": file_id,
                "meeting_id": instance.uuid,
                "recording_start": zoom_time(start_at),
                "recording_end": zoom_time(end_at),
                "file_type": file_type,
                "file_extension": extension,
                "file_size": sim.rng.randint(10_000, 50_000_000),
                "play_url": f"https://zoom.us/rec/play/{file_id}",
                "download_url": f"https://zoom.us/rec/download/{file_id}",
                "status": "completed",
                "recording_type": recording_type,
            }
        )
    return files


def recording_object(meeting: Meeting, instance: Instance, host_email: str) -> dict[str, Any]:
    recording = instance.recording
    assert recording is not None
    total = sum(int(f["file_size"]) for f in recording.files)
    return {
        "uuid": instance.uuid,
        "id": meeting.id,
        "account_id": meeting.account_id,
        "host_id": meeting.host_id,
        "host_email": host_email,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": zoom_time(instance.start),
        "timezone": meeting.timezone,
        "duration": max(1, int((recording.end - recording.start).total_seconds() // 60)),
        "total_size": total,
        "recording_count": len(recording.files),
        "share_url": f"https://zoom.us/rec/share/{recording.id}",
        "password": recording.password,
        "recording_play_passcode": recording.password,
        "recording_files": [dict(f) for f in recording.files],
    }
