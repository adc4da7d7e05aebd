"""`Idempotency-Key` on order creation and CSV import: replay, mismatch, per token."""

from __future__ import annotations

import pytest

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, create_event
from tests.orders.helpers import people, row_counts
from zoombridge.accounts.service import create_api_token


@pytest.fixture
async def event(api: ApiHarness) -> EventIds:
    return await create_event(api.sessionmaker)


async def test_same_key_and_body_replays_the_first_answer(api: ApiHarness, event: EventIds) -> None:
    url = f"/api/v1/events/{event.event_id}/orders"
    body = {"attendees": people("ada", "bob"), "status": "completed", "reference": "W-77"}
    headers = {"Idempotency-Key": "order-W-77"}

    first = await api.http.post(url, json=body, headers=headers)
    counts = await row_counts(api.sessionmaker)
    second = await api.http.post(url, json=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await row_counts(api.sessionmaker) == counts == (1, 2, 2)


async def test_same_key_with_another_body_is_refused(api: ApiHarness, event: EventIds) -> None:
    url = f"/api/v1/events/{event.event_id}/orders"
    headers = {"Idempotency-Key": "k-1"}
    assert (
        await api.http.post(url, json={"attendees": people("ada")}, headers=headers)
    ).status_code == 201
    counts = await row_counts(api.sessionmaker)

    response = await api.http.post(url, json={"attendees": people("bob")}, headers=headers)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "idempotency_key_reused"
    assert "different request" in problem["detail"]
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert await row_counts(api.sessionmaker) == counts


async def test_a_failed_request_does_not_use_up_its_key(api: ApiHarness, event: EventIds) -> None:
    url = f"/api/v1/events/{event.event_id}/orders"
    headers = {"Idempotency-Key": "retry-after-fix"}
    bad = {"attendees": [{"email": "ada@example.com", "first_name": "Ada"}]}  # no last name
    assert (await api.http.post(url, json=bad, headers=headers)).status_code == 422

    good = {"attendees": people("ada")}
    response = await api.http.post(url, json=good, headers=headers)
    assert response.status_code == 201


async def test_keys_belong_to_their_token(api: ApiHarness, event: EventIds) -> None:
    async with api.sessionmaker() as session:
        other_token, _ = await create_api_token(session, "another shop")
        await session.commit()
    url = f"/api/v1/events/{event.event_id}/orders"
    headers = {"Idempotency-Key": "shared-name"}
    assert (
        await api.http.post(url, json={"attendees": people("ada")}, headers=headers)
    ).status_code == 201
    response = await api.http.post(
        url,
        json={"attendees": people("bob")},
        headers={**headers, "Authorization": f"Bearer {other_token}"},
    )
    assert response.status_code == 201
    assert await row_counts(api.sessionmaker) == (2, 2, 0)


async def test_csv_import_replays_too(api: ApiHarness, event: EventIds) -> None:
    url = f"/api/v1/events/{event.event_id}/attendees.csv"
    csv_text = "email,first_name,last_name\nada@example.com,Ada,Tester\n"
    headers = {"Idempotency-Key": "upload-1", "Content-Type": "text/csv"}
    first = await api.http.post(url, content=csv_text, headers=headers)
    second = await api.http.post(url, content=csv_text, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["created"] == 1
    assert await row_counts(api.sessionmaker) == (1, 1, 1)
    other = await api.http.post(url, content=csv_text + "bob@example.com,Bob,T\n", headers=headers)
    assert other.status_code == 422
