"""Every operation in OPERATIONS against the simulator, over loopback HTTP, spec-validated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.fixtures.simulator import SimAdmin
from tests.zoom.conftest import ClientFactory
from zoombridge.zoom import (
    BatchRegistrantBody,
    Kind,
    MeetingCreate,
    MeetingNotFound,
    MeetingUpdate,
    RecurrenceBody,
    RegistrantCreate,
    RegistrantRef,
    SettingsBody,
    TooManyRegistrants,
    ZoomClient,
)

HOST = "host@example.com"


class PathRecorder(httpx.AsyncBaseTransport):
    """Passes requests on, remembering the raw path each one carried on the wire."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.raw_path.decode("ascii").split("?")[0])
        return await self._inner.handle_async_request(request)


KINDS: list[Kind] = ["meeting", "webinar"]
SCHEDULED = {"meeting": 2, "webinar": 5}
RECURRING_FIXED = {"meeting": 8, "webinar": 9}


def in_days(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0, second=0)


def scheduled(kind: Kind, approval: int = 0, topic: str = "Planning") -> MeetingCreate:
    return MeetingCreate(
        topic=topic,
        type=SCHEDULED[kind],
        start_time=in_days(3),
        duration=45,
        timezone="Europe/Berlin",
        settings=SettingsBody(approval_type=approval),
    )


async def test_users_listed_across_pages_and_fetched(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    for i in range(4):
        admin.add_user(
            "sim-account", email=f"user{i}@example.com", first_name="Ann", last_name="User"
        )
    zoom = make_client(simulator, page_size=2)
    emails = [u.email async for u in zoom.list_users()]
    assert sorted(e or "" for e in emails) == sorted(
        [HOST, *(f"user{i}@example.com" for i in range(4))]
    )
    me = await zoom.get_user("me")
    assert me.email == HOST
    by_email = await zoom.get_user("user2@example.com")
    assert by_email.first_name == "Ann"


@pytest.mark.parametrize("kind", KINDS)
async def test_create_get_update_list_delete(zoom: ZoomClient, kind: Kind) -> None:
    created = await zoom.create_meeting(kind, HOST, scheduled(kind, approval=1))
    assert created.id > 0
    assert created.join_url
    assert created.settings is not None
    assert created.settings.approval_type == 1

    await zoom.update_meeting(
        kind, created.id, MeetingUpdate(topic="Renamed", settings=SettingsBody(approval_type=0))
    )
    fetched = await zoom.get_meeting(kind, created.id)
    assert fetched.topic == "Renamed"
    assert fetched.settings is not None
    assert fetched.settings.approval_type == 0
    assert fetched.duration == 45

    listed = [m.id async for m in zoom.list_meetings(kind, HOST)]
    assert created.id in listed

    await zoom.delete_meeting(kind, created.id)
    with pytest.raises(MeetingNotFound):
        await zoom.get_meeting(kind, created.id)


@pytest.mark.parametrize("kind", KINDS)
async def test_host_list_follows_every_page(
    make_client: ClientFactory, simulator: Any, kind: Kind
) -> None:
    zoom = make_client(simulator, page_size=2)
    ids = {(await zoom.create_meeting(kind, HOST, scheduled(kind))).id for _ in range(5)}
    listed = [m.id async for m in zoom.list_meetings(kind, HOST)]
    assert sorted(listed) == sorted(ids)


@pytest.mark.parametrize("kind", KINDS)
async def test_recurring_occurrences_update_and_delete_one(zoom: ZoomClient, kind: Kind) -> None:
    body = MeetingCreate(
        topic="Weekly",
        type=RECURRING_FIXED[kind],
        start_time=in_days(2),
        duration=30,
        timezone="UTC",
        recurrence=RecurrenceBody(type=1, repeat_interval=1, end_times=3),
        settings=SettingsBody(approval_type=0, registration_type=2),
    )
    created = await zoom.create_meeting(kind, HOST, body)
    assert len(created.occurrences) == 3
    first, second = created.occurrences[0], created.occurrences[1]

    await zoom.update_meeting(
        kind, created.id, MeetingUpdate(duration=50), occurrence_id=first.occurrence_id
    )
    one = await zoom.get_meeting(kind, created.id, occurrence_id=first.occurrence_id)
    assert one.id == created.id

    await zoom.delete_meeting(kind, created.id, occurrence_id=second.occurrence_id)
    after = await zoom.get_meeting(kind, created.id, show_previous_occurrences=True)
    statuses = {o.occurrence_id: o.status for o in after.occurrences}
    assert statuses.get(second.occurrence_id, "deleted") == "deleted"
    assert statuses[first.occurrence_id] != "deleted"

    # Register for one occurrence only.
    result = await zoom.add_registrant(
        kind,
        created.id,
        RegistrantCreate(email="occ@example.com", first_name="Occ"),
        occurrence_ids=[first.occurrence_id],
    )
    assert result.registrant_id
    listed = [
        r.email
        async for r in zoom.list_registrants(kind, created.id, occurrence_id=first.occurrence_id)
    ]
    assert "occ@example.com" in listed


@pytest.mark.parametrize("kind", KINDS)
async def test_registrants_single_batch_list_get_status(
    make_client: ClientFactory, simulator: Any, kind: Kind
) -> None:
    zoom = make_client(simulator, page_size=7)
    meeting = await zoom.create_meeting(kind, HOST, scheduled(kind, approval=0))

    single = await zoom.add_registrant(
        kind,
        meeting.id,
        RegistrantCreate(email="Solo@Example.com", first_name="Solo", last_name="S"),
    )
    assert single.registrant_id
    assert single.join_url

    batch = [BatchRegistrantBody(email=f"p{i}@example.com", first_name=f"P{i}") for i in range(30)]
    result = await zoom.add_registrants_batch(kind, meeting.id, batch, auto_approve=True)
    assert sorted(r.email for r in result.registrants) == sorted(b.email for b in batch)
    assert all(r.join_url for r in result.registrants)

    sent_before = zoom.stats.calls
    with pytest.raises(TooManyRegistrants):
        await zoom.add_registrants_batch(
            kind, meeting.id, [*batch, BatchRegistrantBody(email="x@example.com", first_name="X")]
        )
    assert zoom.stats.calls == sent_before  # refused before sending

    everyone = [r async for r in zoom.list_registrants(kind, meeting.id)]
    assert len(everyone) == 31  # 5 pages of 7: every page followed
    assert len({r.id for r in everyone}) == 31

    solo = next(r for r in everyone if r.email.lower() == "solo@example.com")
    assert solo.id is not None
    fetched = await zoom.get_registrant(kind, meeting.id, solo.id)
    assert fetched.email.lower() == "solo@example.com"
    assert fetched.status == "approved"

    await zoom.update_registrant_status(
        kind, meeting.id, "cancel", [RegistrantRef(id=solo.id, email=solo.email)]
    )
    approved = [r.email.lower() async for r in zoom.list_registrants(kind, meeting.id)]
    assert "solo@example.com" not in approved
    assert len(approved) == 30


@pytest.mark.parametrize("kind", KINDS)
async def test_manual_approval_pending_then_approved(zoom: ZoomClient, kind: Kind) -> None:
    meeting = await zoom.create_meeting(kind, HOST, scheduled(kind, approval=1))
    added = await zoom.add_registrant(
        kind, meeting.id, RegistrantCreate(email="wait@example.com", first_name="Wait")
    )
    assert added.registrant_id
    pending = [r async for r in zoom.list_registrants(kind, meeting.id, status="pending")]
    assert [r.email for r in pending] == ["wait@example.com"]
    await zoom.update_registrant_status(
        kind, meeting.id, "approve", [RegistrantRef(email="wait@example.com")]
    )
    approved = [r.email async for r in zoom.list_registrants(kind, meeting.id, status="approved")]
    assert approved == ["wait@example.com"]


@pytest.mark.parametrize(
    ("kind", "uuid"),
    [
        ("meeting", "/ab//cdQmuoKj4854875=="),  # must travel double-encoded
        ("meeting", "ab/cdQmuoKj48548+75=="),  # single slash: encoded once
        ("webinar", "//webinarUUIDxx1234567="),
    ],
)
async def test_past_instances_participants_reports_and_recordings(
    make_client: ClientFactory,
    simulator: Any,
    admin: SimAdmin,
    zoom_transport: httpx.AsyncBaseTransport,
    kind: Kind,
    uuid: str,
) -> None:
    wire = PathRecorder(zoom_transport)
    zoom = make_client(simulator, page_size=2, transport=wire)
    meeting = await zoom.create_meeting(kind, HOST, scheduled(kind))
    admin.post(f"/meetings/{meeting.id}/start", {"uuid": uuid})
    joined = {}
    for name, email in [("Ann", "ann@example.com"), ("Bob", "bob@example.com"), ("Guest", None)]:
        joined[name] = admin.post(
            f"/meetings/{meeting.id}/participants",
            {"action": "join", "name": name, **({"email": email} if email else {})},
        )
    ann = joined["Ann"]
    admin.post(
        f"/meetings/{meeting.id}/participants",
        {
            "action": "leave",
            "name": "Ann",
            "email": "ann@example.com",
            "participant_uuid": ann["participant_uuid"],
        },
    )
    admin.post(
        f"/meetings/{meeting.id}/participants",
        {
            "action": "join",
            "name": "Ann",
            "email": "ann@example.com",
            "participant_uuid": ann["participant_uuid"],
        },
    )
    admin.post(f"/meetings/{meeting.id}/end")
    admin.post(f"/meetings/{meeting.id}/recording")

    instances = await zoom.list_past_instances(kind, meeting.id)
    assert uuid in [i.uuid for i in instances]

    past = [p async for p in zoom.list_past_participants(kind, uuid)]
    report = [p async for p in zoom.list_report_participants(kind, uuid)]
    # Ann rejoined: two segments; four rows over two pages of two.
    assert len(report) == 4
    assert sum(1 for p in report if p.user_email == "ann@example.com") == 2
    assert {p.name for p in past} == {"Ann", "Bob", "Guest"}
    by_id = [p async for p in zoom.list_report_participants(kind, meeting.id)]
    assert len(by_id) == 4

    # On the wire: encoded twice when the UUID starts with "/" or holds "//", else once.
    once = quote(uuid, safe="")
    expected = quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once
    uuid_paths = [p for p in wire.paths if "participants" in p and not p.split("/")[-2].isdigit()]
    assert uuid_paths
    assert all(f"/{expected}/participants" in p for p in uuid_paths)

    recording = await zoom.get_recordings(uuid)
    assert recording.recording_files
    assert all(f.download_url for f in recording.recording_files)
    assert (await zoom.get_recordings(meeting.id)).recording_files


async def test_webinar_absentees(zoom: ZoomClient, admin: SimAdmin) -> None:
    webinar = await zoom.create_meeting("webinar", HOST, scheduled("webinar", approval=0))
    await zoom.add_registrants_batch(
        "webinar",
        webinar.id,
        [
            BatchRegistrantBody(email="came@example.com", first_name="Came"),
            BatchRegistrantBody(email="away@example.com", first_name="Away"),
        ],
        auto_approve=True,
    )
    admin.post(f"/meetings/{webinar.id}/start")
    admin.post(
        f"/meetings/{webinar.id}/participants",
        {"action": "join", "name": "Came", "email": "came@example.com"},
    )
    admin.post(f"/meetings/{webinar.id}/end")
    instances = await zoom.list_past_instances("webinar", webinar.id)
    absent = [r.email async for r in zoom.list_webinar_absentees(instances[0].uuid)]
    assert absent == ["away@example.com"]


async def test_start_times_before_the_year_1000_keep_four_digits(zoom: ZoomClient) -> None:
    # The spec-validating transport refuses a request whose start_time is no date-time.
    body = scheduled("meeting").model_copy(
        update={"start_time": datetime(51, 1, 24, 21, 25, tzinfo=UTC)}
    )
    assert body.to_json()["start_time"] == "0051-01-24T21:25:00Z"
    local = body.model_copy(update={"start_time": datetime(999, 12, 31, 9, 30)})
    assert local.to_json()["start_time"] == "0999-12-31T09:30:00"
    created = await zoom.create_meeting("meeting", HOST, body)
    assert created.start_time == datetime(51, 1, 24, 21, 25, tzinfo=UTC)
