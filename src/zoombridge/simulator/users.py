"""`/users` and `/users/{userId}` (the user's settings are in `user_settings`)."""

from __future__ import annotations

import zlib
from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.pagination import paginate
from zoombridge.simulator.request_models.queries import UsersQuery
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Account, User


def user_view(user: User, account: Account) -> dict[str, Any]:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": f"{user.first_name} {user.last_name}".strip() or user.email,
        "email": user.email,
        "type": user.type,
        "role_name": user.role_name,
        "role_id": "0" if user.role_name == "Owner" else "2",
        "pmi": user.pmi,
        "use_pmi": False,
        "personal_meeting_url": f"https://zoom.us/j/{user.pmi}",
        "timezone": user.timezone,
        "verified": 1,
        "dept": "",
        "created_at": zoom_time(user.created_at),
        "user_created_at": zoom_time(user.created_at),
        "last_login_time": zoom_time(user.created_at),
        "language": "en-US",
        "status": user.status,
        "account_id": account.id,
        "account_number": zlib.crc32(account.id.encode()),  # stable across runs
        "cluster": "us05",
        "group_ids": [],
        "im_group_ids": [],
    }


async def list_users(call: Call) -> Response:
    query = call.query_as(UsersQuery)
    status = query.status or "active"
    users = [u for u in call.account.users.values() if u.status == status]
    page, envelope = paginate(
        users,
        page_size=query.page_size or 30,
        token=query.next_page_token,
        listing=f"users:{call.account.id}:{status}",
        now=call.now,
        page_number=query.page_number or 1,
    )
    body = envelope | {"users": [user_view(u, call.account) for u in page]}
    return JSONResponse(body)


async def get_user(call: Call) -> Response:
    user = call.sim.find_user(call.account, call.params["userId"])
    return JSONResponse(user_view(user, call.account))
