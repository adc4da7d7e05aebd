"""Settings → Learning Record Store in the web UI (L5): saved through the same service as the
API, bad input marked per field with nothing stored, the secret write-only."""

from __future__ import annotations

from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client

SECRET = "lrs-secret-never-shown-7f3a"


async def test_lrs_settings_are_saved_checked_and_keep_their_secret(api: ApiHarness) -> None:
    client, csrf = await signed_in_client(api, "owner-lrs@example.com", "long-enough-1")
    try:
        page = await client.get("/settings/lrs")
        assert page.status_code == 200
        assert 'action="/settings/lrs"' in page.text
        assert 'href="/settings/lrs"' in (await client.get("/settings/email")).text

        bad = await client.post(
            "/settings/lrs",
            data={"csrf_token": csrf, "endpoint": "not a url", "key": "", "secret": SECRET},
        )
        assert bad.status_code == 422
        assert 'data-testid="form-error"' in bad.text
        assert bad.text.count('class="field-error"') >= 2  # endpoint and key, at once
        assert SECRET not in bad.text
        assert (await api.http.get("/api/v1/settings/lrs")).status_code == 404

        saved = await client.post(
            "/settings/lrs",
            data={
                "csrf_token": csrf,
                "endpoint": "http://127.0.0.1:9/xAPI/",
                "key": "zoombridge",
                "secret": SECRET,
                "enabled": "on",
                "activity_base": "urn:example:",
            },
        )
        assert saved.status_code == 303
        stored = (await api.http.get("/api/v1/settings/lrs")).json()
        assert stored == {
            "endpoint": "http://127.0.0.1:9/xAPI/",
            "key": "zoombridge",
            "has_secret": True,
            "enabled": True,
            "activity_base": "urn:example:",
        }
        shown = await client.get("/settings/lrs")
        assert "http://127.0.0.1:9/xAPI/" in shown.text
        assert SECRET not in shown.text
        assert "stored — leave empty to keep it" in shown.text

        # Saving again without a secret keeps the stored one; unticking stops sending.
        again = await client.post(
            "/settings/lrs",
            data={
                "csrf_token": csrf,
                "endpoint": "http://127.0.0.1:9/xAPI/",
                "key": "zoombridge",
                "secret": "",
            },
        )
        assert again.status_code == 303
        stored = (await api.http.get("/api/v1/settings/lrs")).json()
        assert stored["has_secret"] is True
        assert stored["enabled"] is False

        removed = await client.post("/settings/lrs/delete", data={"csrf_token": csrf})
        assert removed.status_code == 303
        assert (await api.http.get("/api/v1/settings/lrs")).status_code == 404
    finally:
        await client.aclose()
