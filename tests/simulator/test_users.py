from __future__ import annotations

from tests.fixtures.simulator import SimAdmin
from tests.simulator.helpers import ZoomApi


def test_users_list_get_and_settings(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    for n in range(4):
        sim_admin.add_user(
            "sim-account", email=f"u{n}@example.com", first_name="U", last_name=str(n)
        )
    first = zoom.get("/users", params={"page_size": 3})
    assert first.status_code == 200
    page = first.json()
    assert page["total_records"] == 5
    assert next(u["email"] for u in page["users"]) == "host@example.com"
    second = zoom.get(
        "/users", params={"page_size": 3, "next_page_token": page["next_page_token"]}
    ).json()
    assert len(second["users"]) == 2
    assert second["next_page_token"] == ""
    user = zoom.get("/users/u2@example.com").json()
    assert zoom.get(f"/users/{user['id']}").json()["email"] == "u2@example.com"
    settings = zoom.get("/users/me/settings")
    assert settings.status_code == 200
    assert settings.json()["feature"]["webinar"] is True


def test_unknown_user_is_1001(zoom: ZoomApi) -> None:
    response = zoom.get("/users/nobody@example.com")
    assert response.status_code == 404
    assert response.json() == {"code": 1001, "message": "User does not exist: nobody@example.com."}
    assert zoom.post("/users/nobody/meetings", json={"topic": "x"}).json()["code"] == 1001


def test_bad_page_size_and_token_are_300(zoom: ZoomApi) -> None:
    assert zoom.get("/users", params={"page_size": 5000}).json()["code"] == 300
    bad = zoom.get("/users", params={"next_page_token": "garbage"})
    assert bad.status_code == 400
    assert bad.json() == {"code": 300, "message": "Invalid next page token."}
