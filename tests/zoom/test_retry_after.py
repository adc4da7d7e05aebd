"""`Retry-After` in its three shapes, and backoff bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zoombridge.zoom.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 3, 10, 15, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", NOW + timedelta(seconds=3)),
        ("0", NOW),
        ("Wed, 11 Mar 2026 00:00:00 GMT", datetime(2026, 3, 11, tzinfo=UTC)),
        ("2026-03-11T00:00:00Z", datetime(2026, 3, 11, tzinfo=UTC)),
        ("2026-03-11T01:00:00+01:00", datetime(2026, 3, 11, tzinfo=UTC)),
        ("2026-03-11T00:00:00", datetime(2026, 3, 11, tzinfo=UTC)),
        ("1773187200", datetime(2026, 3, 11, tzinfo=UTC)),  # epoch seconds
    ],
)
def test_retry_after_shapes(header: str, expected: datetime) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize("header", [None, "", "soon", "tomorrow-ish"])
def test_unreadable_retry_after_is_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    top = RetryPolicy(base_delay=0.5, max_delay=4.0, jitter=lambda: 1.0)
    assert [top.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    bottom = RetryPolicy(base_delay=0.5, max_delay=4.0, jitter=lambda: 0.0)
    assert bottom.backoff(3) == 0.0
