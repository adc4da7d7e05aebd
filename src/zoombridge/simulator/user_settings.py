"""`GET /users/{userId}/settings`: the user's settings, or one group of them with `option=`.

Zoom's answer schema is a `oneOf` of four objects, one of them `{type: object}` with nothing
in it, so every answer matches several branches and none can satisfy the `oneOf` (a named spec
gap). The simulator answers the branch the query asks for, and only that one: the settings
without `option`, the authentication options for `meeting_authentication` and
`recording_authentication`, the security settings for `meeting_security`. The contract tests
check each answer against its own branch.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator.request_models.queries import UserSettingsQuery
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Account, User

MEETING_CAPACITY = {"free": 100, "pro": 100, "business": 300}


def settings_answer(user: User, account: Account) -> dict[str, Any]:
    licensed = user.type != 1
    return {
        "feature": {
            "meeting_capacity": MEETING_CAPACITY[account.plan],
            "large_meeting": False,
            "webinar": bool(account.webinar_addon and licensed),
            "webinar_capacity": account.webinar_capacity if account.webinar_addon else 0,
            "cn_meeting": False,
            "in_meeting": False,
        },
        "schedule_meeting": {
            "host_video": False,
            "participants_video": False,
            "join_before_host": False,
        },
    }


def authentication_answer(option: str) -> dict[str, Any]:
    """No authentication profiles: the simulator has no sign-in to enforce."""
    if option == "meeting_authentication":
        group: dict[str, Any] = {
            "meeting_authentication": False,
            "allow_authentication_exception": False,
            "authentication_options": [],
        }
    else:
        group = {"recording_authentication": False, "authentication_options": []}
    return {"authentication_options": {option: group}}


def security_answer() -> dict[str, Any]:
    return {
        "meeting_security": {
            "auto_security": True,
            "block_user_domain": False,
            "embed_password_in_join_link": True,
            "encryption_type": "enhanced_encryption",
            "end_to_end_encrypted_meetings": False,
            "meeting_password": True,
            "only_authenticated_can_join_from_webclient": False,
            "phone_password": False,
            "pmi_password": False,
            "require_password_for_scheduled_meeting": False,
            "require_password_for_scheduled_webinar": False,
            "waiting_room": False,
        }
    }


def only_fields(answer: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """`custom_query_fields`: the named fields, wherever they are, inside their groups."""
    kept: dict[str, Any] = {}
    for name, value in answer.items():
        if name in wanted:
            kept[name] = value
        elif isinstance(value, dict):
            inner = only_fields(value, wanted)
            if inner:
                kept[name] = inner
    return kept


async def user_settings(call: Call) -> Response:
    user = call.sim.find_user(call.account, call.params["userId"])
    query = call.query_as(UserSettingsQuery)
    if query.option == "meeting_security":
        answer = security_answer()
    elif query.option is not None:
        answer = authentication_answer(query.option)
    else:
        answer = settings_answer(user, call.account)
    if query.custom_query_fields:
        wanted = {part.strip() for part in query.custom_query_fields.split(",") if part.strip()}
        answer = only_fields(answer, wanted)
    return JSONResponse(answer)
