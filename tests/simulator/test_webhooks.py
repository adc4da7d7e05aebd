"""Outbound webhooks: URL validation, signatures, events from API calls and lifecycle, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fixtures.simulator import SimAdmin
from tests.simulator.helpers import ThreadedServer, ZoomApi, wait_for

SECRET = "receiver-secret-token"


class Receiver:
    """A webhook endpoint that validates like a real one and records what arrives."""

    def __init__(
        self, secret: str = SECRET, failures: int = 0, validate: bool = True, fail_status: int = 500
    ) -> None:
        self.secret = secret
        self.failures = failures
        self.fail_status = fail_status
        self.validate = validate
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        if body["event"] == "endpoint.url_validation":
            plain = body["payload"]["plainToken"]
            key = self.secret if self.validate else "wrong"
            digest = hmac.new(key.encode(), plain.encode(), hashlib.sha256).hexdigest()
            return JSONResponse({"plainToken": plain, "encryptedToken": digest})
        self.received.append((dict(request.headers), raw))
        if self.failures > 0:
            self.failures -= 1
            return Response(status_code=self.fail_status)
        return Response(status_code=204)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        bodies = [json.loads(raw) for _, raw in self.received]
        return [b for b in bodies if name is None or b["event"] == name]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    endpoint = Receiver()
    with ThreadedServer(endpoint.app) as server:
        yield endpoint, server.url + "/hook"


def test_deliveries_are_signed_as_zoom_signs_them(
    zoom: ZoomApi, sim_admin: SimAdmin, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    subscription = sim_admin.subscribe("sim-account", url, SECRET)
    assert subscription["validated"] is True
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={"email": "w@example.com", "first_name": "W"},
    )
    assert wait_for(lambda: endpoint.events("meeting.registration_created"))
    headers, raw = endpoint.received[0]
    timestamp = headers["x-zm-request-timestamp"]
    expected = (
        "v0="
        + hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256).hexdigest()
    )
    assert headers["x-zm-signature"] == expected
    assert headers["content-type"] == "application/json"
    assert headers["x-zm-trackingid"]
    event = json.loads(raw)
    assert event["payload"]["account_id"] == "sim-account"
    assert isinstance(event["event_ts"], int)
    registrant = event["payload"]["object"]["registrant"]
    assert registrant["email"] == "w@example.com"
    assert event["payload"]["object"]["id"] == meeting["id"]


def test_failed_validation_means_no_deliveries(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    endpoint = Receiver(validate=False)
    with ThreadedServer(endpoint.app) as server:
        subscription = sim_admin.subscribe("sim-account", server.url + "/hook", SECRET)
        assert subscription["validated"] is False
        assert "encryptedToken" in subscription["validation_error"]
        zoom.create_meeting()
        assert sim_admin.deliveries() == []
    unreachable = sim_admin.subscribe("sim-account", "http://127.0.0.1:9/hook", SECRET)
    assert unreachable["validated"] is False


def test_api_changes_emit_events(
    zoom: ZoomApi, sim_admin: SimAdmin, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    sim_admin.subscribe("sim-account", url, SECRET)
    meeting = zoom.create_meeting(topic="Old", settings={"approval_type": 0})
    added = zoom.post(
        f"/meetings/{meeting['id']}/registrants", json={"email": "c@example.com", "first_name": "C"}
    ).json()
    zoom.put(
        f"/meetings/{meeting['id']}/registrants/status",
        json={"action": "cancel", "registrants": [{"id": added["registrant_id"]}]},
    )
    zoom.patch(f"/meetings/{meeting['id']}", json={"topic": "New"})
    zoom.delete(f"/meetings/{meeting['id']}")
    # Deliveries go out side by side, so they may land in any order: wait for each kind.
    for kind in ("meeting.deleted", "meeting.registration_cancelled", "meeting.updated"):
        assert wait_for(lambda kind=kind: endpoint.events(kind)), kind
    cancelled = endpoint.events("meeting.registration_cancelled")[0]
    assert cancelled["payload"]["object"]["registrant"]["id"] == added["registrant_id"]
    updated = endpoint.events("meeting.updated")[0]["payload"]
    assert updated["object"]["topic"] == "New"
    assert updated["old_object"]["topic"] == "Old"
    assert updated["old_object"]["id"] == meeting["id"]
    assert isinstance(updated["time_stamp"], int)
    deleted = endpoint.events("meeting.deleted")[0]["payload"]["object"]
    assert deleted["uuid"] == meeting["uuid"]


def test_lifecycle_events(
    zoom: ZoomApi, sim_admin: SimAdmin, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    sim_admin.subscribe(
        "sim-account",
        url,
        SECRET,
        events=[
            "meeting.started",
            "meeting.participant_joined",
            "meeting.participant_left",
            "meeting.ended",
            "recording.completed",
        ],
    )
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    registrant = zoom.post(
        f"/meetings/{meeting['id']}/registrants", json={"email": "r@example.com", "first_name": "R"}
    ).json()
    instance = sim_admin.start(meeting["id"])
    person = sim_admin.join(meeting["id"], "R Person", email="r@example.com")
    sim_admin.leave(meeting["id"], person["participant_uuid"])
    sim_admin.end(meeting["id"])
    sim_admin.record(meeting["id"])
    assert wait_for(lambda: endpoint.events("recording.completed"))
    names = [e["event"] for e in endpoint.events()]
    assert "meeting.registration_created" not in names  # not subscribed
    started = endpoint.events("meeting.started")[0]["payload"]["object"]
    assert started["uuid"] == instance["uuid"]
    joined = endpoint.events("meeting.participant_joined")[0]["payload"]["object"]["participant"]
    assert joined["registrant_id"] == registrant["registrant_id"]
    assert joined["participant_uuid"] == person["participant_uuid"]
    assert joined["user_name"] == "R Person"
    assert "join_time" in joined
    left = endpoint.events("meeting.participant_left")[0]["payload"]["object"]["participant"]
    assert "leave_time" in left
    recording = endpoint.events("recording.completed")[0]
    assert recording["download_token"]
    files = recording["payload"]["object"]["recording_files"]
    assert {f["file_type"] for f in files} >= {"MP4", "TRANSCRIPT"}


def test_retries_on_5xx_then_delivered(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    endpoint = Receiver(failures=2)
    with ThreadedServer(endpoint.app) as server:
        sim_admin.subscribe("sim-account", server.url + "/hook", SECRET, events=["meeting.updated"])
        meeting = zoom.create_meeting()
        zoom.patch(f"/meetings/{meeting['id']}", json={"topic": "Changed"})
        delivered = wait_for(
            lambda: [
                d for d in sim_admin.deliveries("meeting.updated") if d["status"] == "delivered"
            ]
        )
        assert delivered
        attempts = delivered[0]["attempts"]
        assert [a["status_code"] for a in attempts] == [500, 500, 204]
        assert len(endpoint.received) == 3
        # The same event body each time.
        assert len({raw for _, raw in endpoint.received}) == 1


def test_gives_up_after_three_retries(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    endpoint = Receiver(failures=10)
    with ThreadedServer(endpoint.app) as server:
        sim_admin.subscribe("sim-account", server.url + "/hook", SECRET, events=["meeting.deleted"])
        meeting = zoom.create_meeting()
        zoom.delete(f"/meetings/{meeting['id']}")
        failed = wait_for(
            lambda: [d for d in sim_admin.deliveries("meeting.deleted") if d["status"] == "failed"]
        )
        assert failed
        assert len(failed[0]["attempts"]) == 4


def test_4xx_answers_are_not_retried(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    endpoint = Receiver(failures=10, fail_status=400)
    with ThreadedServer(endpoint.app) as server:
        sim_admin.subscribe("sim-account", server.url + "/hook", SECRET, events=["meeting.deleted"])
        meeting = zoom.create_meeting()
        zoom.delete(f"/meetings/{meeting['id']}")
        failed = wait_for(
            lambda: [d for d in sim_admin.deliveries("meeting.deleted") if d["status"] == "failed"]
        )
        assert [a["status_code"] for a in failed[0]["attempts"]] == [400]
