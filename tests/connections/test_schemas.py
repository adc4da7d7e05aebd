from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.connections.factories import CLIENT_SECRET, WEBHOOK_SECRET_TOKEN, make_connection
from zoombridge.connections.models import ZoomPlan
from zoombridge.connections.repository import ZoomConnectionRepository
from zoombridge.connections.schemas import (
    ZoomConnectionCreate,
    ZoomConnectionRead,
    ZoomConnectionUpdate,
)


def valid_create(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": "  Main  ",
        "account_id": "acc",
        "client_id": "cid",
        "client_secret": CLIENT_SECRET,
    }
    fields.update(overrides)
    return fields


def test_create_validates_and_hides_the_secret() -> None:
    create = ZoomConnectionCreate.model_validate(
        valid_create(api_url="http://127.0.0.1:8765/v2/", webhook_secret_token=WEBHOOK_SECRET_TOKEN)
    )

    assert create.name == "Main"
    assert create.plan is ZoomPlan.PRO
    assert create.api_url == "http://127.0.0.1:8765/v2"
    for shown in (repr(create), str(create), create.model_dump_json(), str(create.model_dump())):
        assert CLIENT_SECRET not in shown
        assert WEBHOOK_SECRET_TOKEN not in shown


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "   "),
        ("client_secret", ""),
        ("plan", "enterprise-plus"),
        ("api_url", "ftp://example.com"),
        ("oauth_url", "not a url"),
        ("unknown", "x"),
    ],
)
def test_create_refuses_bad_input(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ZoomConnectionCreate.model_validate(valid_create(**{field: value}))

    assert caught.value.errors()[0]["loc"][0] == field
    assert CLIENT_SECRET not in str(caught.value)


async def test_read_model_has_flags_not_secrets(db_session: AsyncSession) -> None:
    create = ZoomConnectionCreate.model_validate(valid_create())
    connection = await ZoomConnectionRepository(db_session).add(create.to_model())
    connection.granted_scopes = "meeting:write:meeting:admin  user:read:list_users:admin"

    read = ZoomConnectionRead.from_model(connection)

    assert read.has_client_secret is True
    assert read.has_webhook_secret_token is False
    assert read.granted_scopes == ["meeting:write:meeting:admin", "user:read:list_users:admin"]
    assert read.created_at.tzinfo is not None
    dumped = read.model_dump_json()
    assert not {"client_secret", "webhook_secret_token"} & set(read.model_dump())
    for shown in (dumped, repr(read), str(read.model_dump())):
        assert CLIENT_SECRET not in shown


def test_update_changes_only_fields_sent() -> None:
    connection = make_connection(api_url="http://127.0.0.1:1/v2")

    ZoomConnectionUpdate.model_validate(
        {"client_secret": "new-secret", "webhook_secret_token": None, "api_url": None}
    ).apply_to(connection)

    assert connection.client_secret == SecretStr("new-secret")
    assert connection.webhook_secret_token is None
    assert connection.api_url is None
    assert connection.name == "Main account"
    assert connection.plan is ZoomPlan.BUSINESS


def test_update_cannot_remove_required_fields() -> None:
    with pytest.raises(ValueError, match="client_secret cannot be removed"):
        ZoomConnectionUpdate.model_validate({"client_secret": None}).apply_to(make_connection())
