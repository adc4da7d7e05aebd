"""The feature → scopes table against Zoom's specs, and what "missing" means."""

from __future__ import annotations

import json
from pathlib import Path

from zoombridge.connections.scopes import FEATURES, missing_scopes, recommended_scopes
from zoombridge.zoom.operations import OPERATIONS


def spec_scopes(reference: Path) -> dict[str, frozenset[str]]:
    scopes: dict[str, frozenset[str]] = {}
    for name in ("meetings-api.openapi.json", "users-api.openapi.json"):
        spec = json.loads((reference / name).read_text())
        for item in spec["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    names = {
                        s
                        for req in operation.get("security", [])
                        for s in req.get("openapi_oauth", [])
                    }
                    scopes[operation["operationId"]] = frozenset(names)
    return scopes


def test_every_operation_is_in_one_feature_with_the_specs_scopes(zoom_reference_dir: Path) -> None:
    documented = spec_scopes(zoom_reference_dir)
    needs = [need for needs in FEATURES.values() for need in needs]
    assert sorted(n.operation_id for n in needs) == sorted(OPERATIONS)
    for need in needs:
        assert need.accepted == documented[need.operation_id], need.operation_id
        assert need.grant in need.accepted


def test_nothing_missing_when_every_recommended_scope_is_granted() -> None:
    assert missing_scopes(recommended_scopes()) == {}


def test_any_accepted_alternative_satisfies_an_operation() -> None:
    # The classic account-wide scopes cover the meeting operations.
    missing = missing_scopes(["meeting:read:admin", "meeting:write:admin"])
    assert "meetings" not in missing
    assert "webinars" in missing
    # Registrants need both kinds: meeting scopes alone leave the webinar ones missing.
    assert missing["registrants"] == sorted(
        s for s in recommended_scopes() if s.startswith("webinar:") and "registrant" in s
    )


def test_everything_missing_without_scopes() -> None:
    missing = missing_scopes([])
    assert set(missing) == set(FEATURES)
    assert "user:read:list_users:admin" in missing["users"]
