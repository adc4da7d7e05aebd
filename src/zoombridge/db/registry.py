"""Every module that defines tables, so `Base.metadata` is complete for Alembic and tests.

A new domain adds its `models` module here; autogenerate cannot see tables it never imported.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from zoombridge.db.base import Base

MODEL_MODULES: tuple[str, ...] = (
    "zoombridge.connections.models",
    "zoombridge.accounts.models",
    "zoombridge.events.models",
    "zoombridge.orders.models",
    "zoombridge.engine.models",
    "zoombridge.bookings.models",
    "zoombridge.notifications.models",
    "zoombridge.attendance.models",
    "zoombridge.contacts.models",
    "zoombridge.courses.models",
    "zoombridge.results.models",
    "zoombridge.hubspot_sync.models",
)


def load_metadata() -> MetaData:
    """`Base.metadata` after importing every domain's models."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata
