"""Zoom plans and the rate limits that come with them (per account, shared by every app on it).

Numbers from Zoom's rate-limit documentation (see the reference FACTS). They are planned for, not
discovered: the client paces itself so Zoom never has to answer 429.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from zoombridge.zoom.operations import Category


class Plan(StrEnum):
    FREE = "free"
    PRO = "pro"
    BUSINESS = "business"
    """Business and above (Business Plus, Enterprise, ...) share these limits."""


_L, _M, _H, _RI = (
    Category.LIGHT,
    Category.MEDIUM,
    Category.HEAVY,
    Category.RESOURCE_INTENSIVE,
)

# Requests per second allowed per account and category.
PER_SECOND: Mapping[Plan, Mapping[Category, float]] = MappingProxyType(
    {
        Plan.FREE: {_L: 4.0, _M: 2.0, _H: 1.0, _RI: 10 / 60},
        Plan.PRO: {_L: 30.0, _M: 20.0, _H: 10.0, _RI: 10 / 60},
        Plan.BUSINESS: {_L: 80.0, _M: 60.0, _H: 40.0, _RI: 20 / 60},
    }
)

# Daily caps per account. A cap is keyed by the set of categories that share it: on Pro and
# Business, Heavy and Resource-intensive draw from one daily pool; Free caps each separately.
DAILY: Mapping[Plan, Mapping[frozenset[Category], int]] = MappingProxyType(
    {
        Plan.FREE: {
            frozenset({_L}): 6_000,
            frozenset({_M}): 2_000,
            frozenset({_H}): 1_000,
            frozenset({_RI}): 30_000,
        },
        Plan.PRO: {frozenset({_H, _RI}): 30_000},
        Plan.BUSINESS: {frozenset({_H, _RI}): 60_000},
    }
)

# Per-object daily caps (Zoom's, for every plan).
HOST_CREATE_UPDATE_PER_DAY = 100
REGISTRATIONS_PER_REGISTRANT_PER_DAY = 3
STATUS_CHANGES_PER_REGISTRANT_PER_DAY = 10
