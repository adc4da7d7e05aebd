"""The ASGI app of `zoombridge serve`: REST API, web UI and Zoom webhook receiver."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge import __version__
from zoombridge.db.engine import create_engine_from_settings
from zoombridge.db.session import create_sessionmaker
from zoombridge.settings import Settings, get_settings
from zoombridge.web import problems

# Each module here exposes `router: APIRouter`; a domain adds its line when it gains routes.
ROUTER_MODULES: tuple[str, ...] = (
    "zoombridge.web.health",
    "zoombridge.connections.api",
    "zoombridge.events.api",
    "zoombridge.orders.api",
    "zoombridge.bookings.api",
    "zoombridge.sync.api",
    "zoombridge.attendance.api",
    "zoombridge.notifications.api",
    "zoombridge.web.views",
)


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """The app. Given a sessionmaker (tests, the demo) it uses it; otherwise it builds the
    engine from settings at start-up and disposes of it at shutdown."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sessionmaker is not None:
            yield
            return
        engine = create_engine_from_settings(settings)
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="zoombridge",
        version=__version__,
        description="Events, orders and bookings kept in sync with Zoom. Authenticate with "
        "`Authorization: Bearer <API token>`; errors are problem details.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    # The demo and tests set a local SMTP sink here; the UI then shows a Mailbox page.
    app.state.mail_sink = None
    problems.install(app)
    for module in ROUTER_MODULES:
        router: APIRouter = importlib.import_module(module).router
        app.include_router(router)
    return app
