"""Every operation the client uses, exercised against the simulator under Zoom's specs.

Each scenario drives the real client over loopback HTTP to the simulator through the validating
transport, so the request the client sends and the answer the simulator gives are both checked
against the operation's schemas. A scenario passes only if its operation was seen with a 2xx
answer and no violation. `test_every_client_operation_has_a_contract_scenario` fails when the
client gains an operation that no scenario covers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.fixtures.contract import ContractRecorder
from tests.fixtures.reference import require_reference_dir
from tests.fixtures.simulator import SimAdmin, fetch_token
from zoombridge.simulator import SimulatorServer
from zoombridge.zoom import (
    OPERATIONS,
    BatchRegistrantBody,
    Kind,
    LimiterRegistry,
    MeetingCreate,
    MeetingNotFound,
    MeetingUpdate,
    RecurrenceBody,
    RegistrantCreate,
    RegistrantRef,
    SettingsBody,
    ZoomClient,
    ZoomCredentials,
)

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


@dataclass
class Ctx:
    zoom: ZoomClient
    admin: SimAdmin

    async def meeting(self, kind: Kind = "meeting", **fields: object) -> int:
        body = MeetingCreate.model_validate(
            {
                "topic": f"Contract {kind}",
                "type": 2 if kind == "meeting" else 5,
                "start_time": START,
                "duration": 60,
                "timezone": "Europe/Helsinki",
                "settings": SettingsBody(approval_type=0),
                **fields,
            }
        )
        return (await self.zoom.create_meeting(kind, "me", body)).id

    async def recurring(self, kind: Kind = "meeting") -> tuple[int, list[str]]:
        body = MeetingCreate(
            topic=f"Weekly {kind}",
            type=8 if kind == "meeting" else 9,
            start_time=START,
            duration=45,
            timezone="Europe/Helsinki",
            recurrence=RecurrenceBody(type=2, repeat_interval=1, weekly_days="2", end_times=4),
            settings=SettingsBody(approval_type=0, registration_type=1),
        )
        created = await self.zoom.create_meeting(kind, "me", body)
        return created.id, [o.occurrence_id for o in created.occurrences]

    async def registered(self, kind: Kind, meeting_id: int, count: int) -> None:
        for start in range(0, count, 30):
            people = [
                BatchRegistrantBody(email=f"p{i}@example.com", first_name="P", last_name=str(i))
                for i in range(start, min(count, start + 30))
            ]
            await self.zoom.add_registrants_batch(kind, meeting_id, people, auto_approve=True)

    async def past(self, kind: Kind, uuid: str = "/contract//uuid+A==") -> tuple[int, str]:
        """A meeting that happened: two people, one of whom rejoined; a recording."""
        meeting_id = await self.meeting(kind)
        self.admin.start(meeting_id, uuid=uuid)
        ada = self.admin.join(meeting_id, "Ada", email="ada@example.com")
        self.admin.leave(meeting_id, ada["participant_uuid"])
        self.admin.join(meeting_id, "Ada", email="ada@example.com")
        self.admin.join(meeting_id, "Guest without email")
        self.admin.end(meeting_id)
        self.admin.record(meeting_id)
        return meeting_id, uuid


async def _list(iterator: AsyncIterator[object]) -> list[object]:
    return [item async for item in iterator]


Scenario = Callable[[Ctx], Awaitable[None]]


async def users(c: Ctx) -> None:
    assert await _list(c.zoom.list_users())


async def user(c: Ctx) -> None:
    assert (await c.zoom.get_user("me")).email


async def create(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    assert meeting_id > 0
    _, occurrences = await c.recurring(kind)
    assert len(occurrences) == 4


async def list_for_host(c: Ctx, kind: Kind) -> None:
    created = {await c.meeting(kind) for _ in range(3)}
    listed = {m.id for m in await _list(c.zoom.list_meetings(kind, "me"))}  # type: ignore[attr-defined]
    assert created <= listed


async def get(c: Ctx, kind: Kind) -> None:
    meeting_id, occurrences = await c.recurring(kind)
    got = await c.zoom.get_meeting(kind, meeting_id, show_previous_occurrences=True)
    assert [o.occurrence_id for o in got.occurrences] == occurrences
    one = await c.zoom.get_meeting(kind, meeting_id, occurrence_id=occurrences[1])
    assert one.id == meeting_id


async def update(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    moved = START + timedelta(hours=1)
    await c.zoom.update_meeting(kind, meeting_id, MeetingUpdate(topic="Moved", start_time=moved))
    got = await c.zoom.get_meeting(kind, meeting_id)
    assert (got.topic, got.start_time) == ("Moved", moved)


async def delete(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    await c.zoom.delete_meeting(kind, meeting_id)
    with pytest.raises(MeetingNotFound):
        await c.zoom.get_meeting(kind, meeting_id)


async def add_registrant(c: Ctx, kind: Kind) -> None:
    meeting_id, occurrences = await c.recurring(kind)
    person = RegistrantCreate(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    result = await c.zoom.add_registrant(kind, meeting_id, person, occurrence_ids=occurrences[:2])
    assert result.registrant_id
    assert result.join_url


async def batch(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    people = [
        BatchRegistrantBody(email=f"b{i}@example.com", first_name="B", last_name=str(i))
        for i in range(30)
    ]
    result = await c.zoom.add_registrants_batch(kind, meeting_id, people, auto_approve=True)
    assert sorted(r.email for r in result.registrants) == sorted(str(p.email) for p in people)


async def list_registrants(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    await c.registered(kind, meeting_id, 45)  # several pages at the contract client's page size
    listed = await _list(c.zoom.list_registrants(kind, meeting_id, status="approved"))
    assert len({r.email for r in listed}) == 45  # type: ignore[attr-defined]


async def get_registrant(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    person = RegistrantCreate(email="grace@example.com", first_name="Grace", last_name="Hopper")
    added = await c.zoom.add_registrant(kind, meeting_id, person)
    got = await c.zoom.get_registrant(kind, meeting_id, added.registrant_id)
    assert got.email == "grace@example.com"


async def registrant_status(c: Ctx, kind: Kind) -> None:
    meeting_id = await c.meeting(kind)
    await c.registered(kind, meeting_id, 3)
    await c.zoom.update_registrant_status(
        kind, meeting_id, "cancel", [RegistrantRef(email="p1@example.com")]
    )
    approved = await _list(c.zoom.list_registrants(kind, meeting_id))
    assert {r.email for r in approved} == {"p0@example.com", "p2@example.com"}  # type: ignore[attr-defined]


async def past_instances(c: Ctx, kind: Kind) -> None:
    meeting_id, uuid = await c.past(kind)
    assert [i.uuid for i in await c.zoom.list_past_instances(kind, meeting_id)] == [uuid]


async def past_participants(c: Ctx, kind: Kind) -> None:
    _, uuid = await c.past(kind)  # a UUID that must be double-encoded
    rows = await _list(c.zoom.list_past_participants(kind, uuid))
    assert {r.name for r in rows} == {"Ada", "Guest without email"}  # type: ignore[attr-defined]


async def report_participants(c: Ctx, kind: Kind) -> None:
    meeting_id, _ = await c.past(kind, uuid="plain+uuid/B==")
    rows = await _list(c.zoom.list_report_participants(kind, meeting_id))
    assert [r.name for r in rows].count("Ada") == 2  # type: ignore[attr-defined]  # a rejoin is a second row


async def absentees(c: Ctx) -> None:
    webinar_id = await c.meeting("webinar")
    await c.registered("webinar", webinar_id, 2)
    c.admin.start(webinar_id)
    c.admin.join(webinar_id, "P 0", email="p0@example.com")
    c.admin.end(webinar_id)
    absent = await _list(c.zoom.list_webinar_absentees(webinar_id))
    assert [r.email for r in absent] == ["p1@example.com"]  # type: ignore[attr-defined]


async def recordings(c: Ctx) -> None:
    meeting_id, _ = await c.past("meeting")
    assert (await c.zoom.get_recordings(meeting_id)).recording_files


def _zoom_as_organiser(c: Ctx, method: str, path: str, body: dict[str, object]) -> None:
    """A change made in Zoom by the organiser (the client has no call for it)."""
    server = c.admin.server
    answer = httpx.request(
        method,
        server.api_url + path,
        json=body,
        headers={"Authorization": f"Bearer {fetch_token(server)}"},
        timeout=10,
    )
    assert answer.status_code in (201, 204), answer.text


async def registration_form(c: Ctx) -> None:
    webinar_id = await c.meeting("webinar")
    assert (await c.zoom.get_registration_form(webinar_id)).required_beyond_name_and_email() == []
    _zoom_as_organiser(
        c,
        "PATCH",
        f"/webinars/{webinar_id}/registrants/questions",
        {
            "questions": [
                {"field_name": "last_name", "required": True},
                {"field_name": "phone", "required": True},
                {"field_name": "city", "required": False},
            ],
            "custom_questions": [{"title": "Company size", "type": "short", "required": True}],
        },
    )
    form = await c.zoom.get_registration_form(webinar_id)
    assert form.required_beyond_name_and_email() == ["phone", "Company size"]


async def panelists(c: Ctx) -> None:
    webinar_id = await c.meeting("webinar")
    assert await c.zoom.list_panelists(webinar_id) == []
    _zoom_as_organiser(
        c,
        "POST",
        f"/webinars/{webinar_id}/panelists",
        {"panelists": [{"email": "pam@example.com", "name": "Pam Panel"}]},
    )
    [pam] = await c.zoom.list_panelists(webinar_id)
    assert (pam.email, pam.name) == ("pam@example.com", "Pam Panel")


def both(
    action: Callable[[Ctx, Kind], Awaitable[None]], meeting: str, webinar: str
) -> dict[str, Scenario]:
    async def on_meeting(c: Ctx) -> None:
        await action(c, "meeting")

    async def on_webinar(c: Ctx) -> None:
        await action(c, "webinar")

    return {meeting: on_meeting, webinar: on_webinar}


SCENARIOS: dict[str, Scenario] = {
    "users": users,
    "user": user,
    **both(create, "meetingCreate", "webinarCreate"),
    **both(list_for_host, "meetings", "webinars"),
    **both(get, "meeting", "webinar"),
    **both(update, "meetingUpdate", "webinarUpdate"),
    **both(delete, "meetingDelete", "webinarDelete"),
    **both(add_registrant, "meetingRegistrantCreate", "webinarRegistrantCreate"),
    **both(batch, "addBatchRegistrants", "addBatchWebinarRegistrants"),
    **both(list_registrants, "meetingRegistrants", "webinarRegistrants"),
    **both(get_registrant, "meetingRegistrantGet", "webinarRegistrantGet"),
    **both(registrant_status, "meetingRegistrantStatus", "webinarRegistrantStatus"),
    **both(past_instances, "pastMeetings", "pastWebinars"),
    **both(past_participants, "pastMeetingParticipants", "listWebinarParticipants"),
    **both(report_participants, "reportMeetingParticipants", "reportWebinarParticipants"),
    "webinarAbsentees": absentees,
    "recordingGet": recordings,
    "webinarRegistrantsQuestionsGet": registration_form,
    "webinarPanelists": panelists,
}


def test_every_client_operation_has_a_contract_scenario() -> None:
    missing = sorted(set(OPERATIONS) - set(SCENARIOS))
    assert not missing, f"client operations without a contract scenario: {missing}"
    stale = sorted(set(SCENARIOS) - set(OPERATIONS))
    assert not stale, f"scenarios for operations the client no longer has: {stale}"


@pytest.mark.parametrize("operation_id", sorted(SCENARIOS))
async def test_operation_contract(
    operation_id: str,
    simulator: SimulatorServer,
    sim_admin: SimAdmin,
    zoom_transport: httpx.AsyncBaseTransport,
    contract_recorder: ContractRecorder,
) -> None:
    require_reference_dir()
    config = simulator.config
    credentials = ZoomCredentials(
        account_id=config.account_id,
        client_id=config.client_id,
        client_secret=config.client_secret,
    )
    async with ZoomClient(
        credentials,
        api_url=simulator.api_url,
        oauth_url=simulator.oauth_url,
        transport=zoom_transport,
        limiters=LimiterRegistry(),
        page_size=20,
    ) as zoom:
        await SCENARIOS[operation_id](Ctx(zoom, sim_admin))
    assert operation_id in contract_recorder.covered(), (
        f"the scenario never got a valid 2xx exchange for {operation_id}"
    )
