"""The page that drives the simulator by hand (/_sim/): every button does what Zoom would do,
webhooks included."""

from __future__ import annotations

import re

import httpx

from tests.fixtures.simulator import SimAdmin
from tests.simulator.helpers import ZoomApi
from zoombridge.simulator import SimulatorServer


def _press(page: httpx.Client, path: str, **fields: str) -> str:
    answer = page.post(path, data=fields, follow_redirects=True)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_page_lists_changes_runs_and_deletes_a_meeting(
    simulator: SimulatorServer, zoom: ZoomApi, sim_admin: SimAdmin
) -> None:
    meeting = zoom.create_meeting(topic="Onboarding", settings={"approval_type": 0})
    mid = meeting["id"]
    zoom.post(
        f"/meetings/{mid}/registrants", json={"email": "ann@example.com", "first_name": "Ann"}
    )
    base = simulator.api_url.removesuffix("/v2")
    with httpx.Client(base_url=base, timeout=10) as page:
        listing = page.get("/_sim/").text
        assert f'href="/_sim/meetings/{mid}/page"' in listing
        assert "Onboarding" in listing

        page_path = f"/_sim/meetings/{mid}/page"
        shown = _press(page, f"{page_path}/update", topic="Onboarding, moved", duration="45")
        assert "Changed in Zoom" in shown
        assert zoom.get(f"/meetings/{mid}").json()["topic"] == "Onboarding, moved"
        assert zoom.get(f"/meetings/{mid}").json()["duration"] == 45

        shown = _press(page, f"{page_path}/start")
        assert "<b>live</b>" in shown
        registrant_id = zoom.get(f"/meetings/{mid}/registrants").json()["registrants"][0]["id"]
        shown = _press(
            page,
            f"{page_path}/join",
            name="Ann",
            email="ann@example.com",
            registrant_id=registrant_id,
        )
        assert "Ann joined." in shown
        _press(page, f"{page_path}/join", name="Walk-in", email="")
        inside = page.get(page_path).text
        assert "guest, no email" in inside
        participant = re.search(r'name=participant_uuid value="([^"]+)"', inside)
        assert participant
        assert "left." in _press(page, f"{page_path}/leave", participant_uuid=participant[1])
        assert "report of it is ready" in _press(page, f"{page_path}/end")
        instance = sim_admin.meeting(mid)["instances"][-1]
        assert instance["participants"] == 2
        assert instance["end_time"] is not None

        shown = _press(page, f"{page_path}/delete")
        assert f"Meeting {mid} deleted in Zoom" in shown
        assert zoom.get(f"/meetings/{mid}").status_code == 404
        assert f'href="/_sim/meetings/{mid}/page"' not in page.get("/_sim/").text
