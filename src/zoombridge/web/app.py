"""The ASGI app of `zoombridge serve`: REST API, web UI and Zoom webhook receiver."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge import __version__, wiring
from zoombridge.db.engine import create_engine_from_settings
from zoombridge.db.session import create_sessionmaker
from zoombridge.settings import Settings, get_settings
from zoombridge.web import problems
from zoombridge.web.browser import SecurityHeaders, install_docs
from zoombridge.web.guard import RequestGuard

# Each module here exposes `router: APIRouter`; a domain adds its line when it gains routes.
# Swagger UI's and ReDoc's files, shipped with fastapi-offline.
API_DOCS_STATIC = "/static/api-docs"
ROUTER_MODULES: tuple[str, ...] = (
    "zoombridge.web.health",
    "zoombridge.accounts.api",
    "zoombridge.connections.api",
    "zoombridge.events.api",
    "zoombridge.orders.api",
    "zoombridge.bookings.api",
    "zoombridge.connections.webhooks",
    "zoombridge.attendance.api",
    "zoombridge.notifications.api",
    "zoombridge.contacts.api",
    "zoombridge.contacts.webhooks",
    "zoombridge.courses.api",
    "zoombridge.results.api",
    "zoombridge.web.audit_api",
    "zoombridge.hubspot_sync.api",
    "zoombridge.hubspot_sync.webhooks",
    "zoombridge.web.views",
)


def operation_id(route: APIRoute) -> str:
    """A readable, stable operationId for client generators: the route function's name
    (`create_order`, `list_events`), unique across the API (a test checks it)."""
    return route.name


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """The app. Given a sessionmaker (tests, the demo) it uses it; otherwise it builds the
    engine from settings at start-up and disposes of it at shutdown."""
    settings = settings or get_settings()
    # Requests change the domains through their services, whose signals the domains above
    # them receive (a booking's emails, an event's reminders …).
    wiring.connect_signals()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sessionmaker is not None:
            yield
            return
        # On SQLite, serve's writers take the lock in arrival order (zoombridge.db.write_turns).
        engine = create_engine_from_settings(settings, sqlite_write_turns="queue")
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    # Swagger UI (/docs) and ReDoc (/redoc) from files shipped in the package, not a CDN: the
    # API's documentation works on a machine with no internet.
    app = FastAPIOffline(
        title="zoombridge",
        version=__version__,
        description="Events, orders and bookings kept in sync with Zoom. Authenticate with "
        "`Authorization: Bearer <API token>`; errors are problem details.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        static_url=API_DOCS_STATIC,
        generate_unique_id_function=operation_id,
        # The pages are served by web.browser with a Content-Security-Policy of their own;
        # FastAPIOffline only mounts the files.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    # The demo and tests set a local SMTP sink here; the UI then shows a Mailbox page.
    app.state.mail_sink = None
    # The demo sets the Zoom simulator's admin URL here; event pages then link to it.
    app.state.simulator_url = None
    problems.install(app)
    install_docs(app, "/openapi.json", API_DOCS_STATIC)
    for module in ROUTER_MODULES:
        router: APIRouter = importlib.import_module(module).router
        app.include_router(router)
    # The guard (sizes, depth, bad bytes, authentication first) runs before any route; the
    # security headers wrap everything, the guard's own refusals included.
    app.add_middleware(RequestGuard, settings=settings)
    app.add_middleware(SecurityHeaders)
    return app
