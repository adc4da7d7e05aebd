"""The register action (H9) on both databases against the simulator: what is refused at once
(nothing stored), what the worker refuses after reading Zoom afresh, registering by a contact
field, and the inbound automation webhook with its secret."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text

from tests.contacts.helpers import ok, sync_now, synced_webinar, until
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory, World
from zoombridge.contacts.models import Contact, ContactRegisterRequest, RequestState
from zoombridge.contacts.service.register import HOST_REFUSAL

HOST = "host@example.com"


async def _rows(api: ApiHarness) -> tuple[int, int]:
    async with api.sessionmaker() as session:
        contacts = await session.scalar(select(func.count()).select_from(Contact))
        requests = await session.scalar(select(func.count()).select_from(ContactRegisterRequest))
    return int(contacts or 0), int(requests or 0)


async def _state(api: ApiHarness, request_id: str) -> ContactRegisterRequest:
    async with api.sessionmaker() as session:
        row = await session.get(ContactRegisterRequest, uuid.UUID(request_id))
    assert row is not None
    return row


async def _until_done(api: ApiHarness, worker: Any, request_id: str) -> ContactRegisterRequest:
    async def done() -> bool:
        return (await _state(api, request_id)).state is not RequestState.PENDING

    await until(worker, done)
    return await _state(api, request_id)


def _person(webinar: int | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": "ada@example.com", "first_name": "Ada", "last_name": "L"}
    if webinar is not None:
        body["webinar_id"] = webinar
    body.update(fields)
    return body


async def test_bad_input_is_refused_at_once_and_nothing_changes(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, _ = await synced_webinar(api, world, worker)
    await ok(await api.http.patch("/api/v1/crm/settings", json={"excluded_domains": ["ourco.com"]}))
    before = await _rows(api)
    cases: list[tuple[dict[str, Any], str, str]] = [
        (_person(zoom_id, email="not-an-email"), "email", "not a valid email address"),
        (_person(zoom_id, email="eve@ourco.com"), "email", "ourco.com is excluded"),
        (_person(12345678901), "webinar_id", "No synced webinar has the id 12345678901"),
        (_person(webinar_field="next_webinar"), "webinar_field", "no field next_webinar"),
        (_person(webinar_field="w", fields={"w": "soon"}), "webinar_field", "not a webinar id"),
        (_person(), "", "exactly one"),
        (_person(zoom_id, email=HOST), "email", HOST_REFUSAL),
    ]
    for body, field, words in cases:
        answer = await api.http.post("/api/v1/contacts/register", json=body)
        assert answer.status_code == 422, (body, answer.text)
        problem = answer.json()
        # Case-insensitive: the product's messages begin with a capital ("Not a valid…").
        assert words.lower() in str(problem).lower(), problem
        if field:
            assert [e["field"] for e in problem["errors"]] == [field]
    assert await _rows(api) == before
    assert world.registrants(zoom_id) == {}


async def test_alternative_hosts_panelists_and_longer_forms_are_refused(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, webinar_id = await synced_webinar(
        api, world, worker, alternative_hosts="alt@example.com"
    )
    world.zoom(
        "POST",
        f"/webinars/{zoom_id}/panelists",
        {"panelists": [{"email": "pam@example.com", "name": "Pam"}]},
    )
    for email in ("alt@example.com", "pam@example.com"):
        answer = await api.http.post(
            "/api/v1/contacts/register", json=_person(zoom_id, email=email)
        )
        # Known only after the next sync: until then the worker, reading Zoom, refuses them.
        if answer.status_code == 202:
            row = await _until_done(api, worker, answer.json()["id"])
            assert (row.state, row.last_error) == (RequestState.REFUSED, HOST_REFUSAL)
        else:
            assert answer.json()["detail"] == HOST_REFUSAL
    assert world.registrants(zoom_id) == {}

    world.zoom(
        "PATCH",
        f"/webinars/{zoom_id}/registrants/questions",
        {
            "questions": [{"field_name": "phone", "required": True}],
            "custom_questions": [{"title": "Company size", "type": "short", "required": True}],
        },
    )
    await sync_now(api, worker, webinar_id)
    answer = await api.http.post("/api/v1/contacts/register", json=_person(zoom_id))
    assert answer.status_code == 422
    assert "phone, Company size" in answer.json()["detail"]
    pam = await api.http.post(
        "/api/v1/contacts/register", json=_person(zoom_id, email="pam@example.com")
    )
    assert pam.json()["detail"] == HOST_REFUSAL


async def test_the_worker_reads_the_form_afresh_before_registering(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, _ = await synced_webinar(api, world, worker)
    # The organiser makes the form longer in Zoom after the last sync.
    world.zoom(
        "PATCH",
        f"/webinars/{zoom_id}/registrants/questions",
        {"questions": [{"field_name": "org", "required": True}]},
    )
    request = await ok(await api.http.post("/api/v1/contacts/register", json=_person(zoom_id)), 202)
    row = await _until_done(api, worker, request["id"])
    assert row.state is RequestState.REFUSED
    assert row.last_error is not None
    assert "org" in row.last_error
    assert world.registrants(zoom_id) == {}


async def test_registering_by_a_contact_field_holding_the_webinar_id(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, _ = await synced_webinar(api, world, worker)
    cy = await ok(
        await api.http.post(
            "/api/v1/contacts",
            json={
                "email": "cy@example.com",
                "first_name": "Cy",
                "fields": {"next_webinar": f"{zoom_id}"},
            },
        ),
        201,
    )
    request = await ok(
        await api.http.post(
            f"/api/v1/contacts/{cy['id']}/register", json={"webinar_field": "next_webinar"}
        ),
        202,
    )
    again = await ok(
        await api.http.post(f"/api/v1/contacts/{cy['id']}/register", json={"webinar_id": zoom_id}),
        202,
    )
    assert again["id"] == request["id"]  # one open request per contact and webinar
    row = await _until_done(api, worker, request["id"])
    assert row.state is RequestState.REGISTERED
    assert row.zoom_requests == 1
    assert world.registrants(zoom_id)["cy@example.com"]["status"] == "approved"
    contact = await ok(await api.http.get(f"/api/v1/contacts/{cy['id']}"))
    assert contact["properties"]["total_registrations"] == 1
    assert "webinar_registrant" not in contact["sources"]  # made by hand


async def test_an_automation_registers_the_posted_person_with_its_secret(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, _ = await synced_webinar(api, world, worker)
    made = await ok(
        await api.http.post(
            "/api/v1/crm/automations", json={"name": "Signup form", "webinar_field": "webinar"}
        ),
        201,
    )
    secret, url = made["secret"], made["url"]
    assert url == f"/webhooks/automations/{made['id']}"
    listed = await api.http.get("/api/v1/crm/automations")
    assert secret not in listed.text
    async with api.sessionmaker() as session:
        stored = await session.scalar(text("SELECT secret FROM contact_automations"))
    assert secret not in str(stored)

    body = {"email": "Dee@Example.com", "first_name": "Dee", "fields": {"webinar": zoom_id}}
    assert (await api.anonymous.post(url, json=body)).status_code == 401
    wrong = {"X-Automation-Secret": secret[:-1] + ("A" if secret[-1] != "A" else "B")}
    assert (await api.anonymous.post(url, json=body, headers=wrong)).status_code == 401
    # An unauthenticated caller learns nothing of the body's problems.
    assert (await api.anonymous.post(url, json={"email": "x"}, headers=wrong)).status_code == 401
    unknown = f"/webhooks/automations/{uuid.uuid4()}"
    assert (
        await api.anonymous.post(unknown, json=body, headers={"X-Automation-Secret": secret})
    ).status_code == 404
    headers = {"X-Automation-Secret": secret}
    bad = await api.anonymous.post(url, json={"email": "x"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email"
    assert await _rows(api) == (0, 0)

    answer = await api.anonymous.post(url, json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    row = await _until_done(api, worker, answer.json()["id"])
    assert row.state is RequestState.REGISTERED
    assert "dee@example.com" in world.registrants(zoom_id)
    [automation] = (await ok(await api.http.get("/api/v1/crm/automations")))["items"]
    assert automation["uses"] == 1

    rotated = await ok(await api.http.post(f"/api/v1/crm/automations/{made['id']}/secret"))
    assert (await api.anonymous.post(url, json=body, headers=headers)).status_code == 401
    again = await api.anonymous.post(
        url, json=body, headers={"X-Automation-Secret": rotated["secret"]}
    )
    assert again.status_code == 202
