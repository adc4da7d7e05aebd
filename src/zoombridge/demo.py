"""`zoombridge demo`: the whole product in one process, with the simulators standing in for Zoom
and HubSpot.

One asyncio loop runs the API + web UI (uvicorn) and the sync worker; the Zoom and HubSpot
simulators run in background threads (the HubSpot side: `demo_hubspot`). The database is a
SQLite file in the data dir, `demo.sqlite`, created afresh at every start: the simulated Zoom
lives in memory, so yesterday's meetings would not exist in today's simulator. Sample data is
created once per start: a user with a generated password, an API token, a connection to the
simulator's account (with a webhook secret, hosts fetched), a webinar created on Zoom
automatically, and two orders; a Zoom-enabled service "Consultation", an employee mapped (by
email) to the simulator's host and a booking tomorrow; webinars synced into contacts and pushed
to the simulated HubSpot. Emails go to a local SMTP sink whose messages the UI's Mailbox page
shows, so the confirmation emails can be read without a mail server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import socket
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from zoombridge import demo_hubspot
from zoombridge.kit.listening import ListenError, listen, port_number

DEMO_DB_NAME = "demo.sqlite"
DEMO_EMAIL = "demo@example.com"
STOP_TIMEOUT_S = 10.0
DEMO_WEBHOOK_RETRY_SCALE = 0.01  # 5/20/60 min -> 3/12/36 s
# Zoom-side edits are also found by polling; every minute in the demo (15 in production).
DEMO_DRIFT_CHECK = timedelta(minutes=1)
DEMO_FROM = "demo@zoombridge.invalid"
DEMO_FROM_NAME = "zoombridge demo"
DEMO_EMPLOYEE = "Sam Host"
# The booking waits for the worker to fetch the simulator's users (the employee's Zoom user).
HOSTS_FETCH_TIMEOUT_S = 20.0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the product locally with the Zoom simulator (no Zoom account needed)",
        description="Run zoombridge in one process: API, web UI and sync worker on a fresh "
        "SQLite file in the data dir, with the Zoom simulator standing in for Zoom and sample "
        "data. Prints the URL, a login and an API token.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_number, default=9000, help="port of the UI and API")
    parser.add_argument(
        "--sim-port",
        type=port_number,
        default=0,
        help="port of the Zoom simulator (default: a free one)",
    )
    parser.add_argument(
        "--hubspot-sim-port",
        type=port_number,
        default=0,
        help="port of the HubSpot simulator (default: a free one)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where demo.sqlite lives (default: settings)"
    )
    parser.set_defaults(handler=run)


@dataclass
class SampleData:
    password: str
    api_token: str
    connection_id: str
    webhook_secret: str
    event_id: str
    employee_id: str = ""
    service_id: str = ""


def run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(run_demo(args))
    except DemoError as exc:
        print(f"zoombridge demo: {exc}", file=sys.stderr)
        return 1
    return 0


class DemoError(Exception):
    """The demo cannot start (a port is taken, the data dir is not writable …)."""


def _fresh_database(db_path: Path) -> None:
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    except OSError as exc:
        raise DemoError(f"cannot prepare {db_path}: {exc.strerror}") from None


def _listen(host: str, port: int) -> socket.socket:
    try:
        return listen(host, port)
    except ListenError as exc:
        raise DemoError(str(exc)) from None


def _shown_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


async def run_demo(args: argparse.Namespace, out: TextIO | None = None) -> None:
    import uvicorn

    from zoombridge import wiring
    from zoombridge.db.encryption import load_secret_box
    from zoombridge.db.engine import create_engine
    from zoombridge.db.migrate import upgrade_async
    from zoombridge.db.session import create_sessionmaker, transaction
    from zoombridge.notifications.sink import MailSink
    from zoombridge.settings import get_settings
    from zoombridge.simulator import SimulatorConfig, SimulatorServer
    from zoombridge.web.app import create_app
    from zoombridge.worker import Worker

    out = out or sys.stdout
    base = get_settings()
    data_dir: Path = args.data_dir or base.data_dir
    db_path = (data_dir / DEMO_DB_NAME).resolve()
    settings = base.model_copy(
        update={"data_dir": data_dir, "database_url": f"sqlite+aiosqlite:///{db_path}"}
    )
    _fresh_database(db_path)

    app_socket = _listen(args.host, args.port)
    url = f"http://{_shown_host(args.host)}:{app_socket.getsockname()[1]}"
    # Webhook retries in seconds rather than Zoom's 5/20/60 minutes: a demo should show a
    # Zoom-side change promptly even when a delivery failed once.
    simulator = SimulatorServer(
        SimulatorConfig(webhook_retry_scale=DEMO_WEBHOOK_RETRY_SCALE),
        host="127.0.0.1",
        port=args.sim_port,
    )
    try:
        simulator.start()
    except (OSError, RuntimeError) as exc:
        app_socket.close()
        raise DemoError(f"the Zoom simulator did not start: {exc}") from None
    try:
        hubspot_sim = demo_hubspot.start_simulator(args.hubspot_sim_port)
    except (OSError, RuntimeError) as exc:
        app_socket.close()
        simulator.stop()
        raise DemoError(f"the HubSpot simulator did not start: {exc}") from None

    # A real SMTP server on loopback catches every email; the UI's Mailbox page shows them.
    sink = MailSink()
    try:
        sink.start()
    except (OSError, RuntimeError) as exc:
        app_socket.close()
        simulator.stop()
        hubspot_sim.stop()
        raise DemoError(f"the local mail sink did not start: {exc}") from None

    # One process for the API and the worker: one queue for the write lock serves both.
    engine = create_engine(
        settings.effective_database_url,
        secret_box=load_secret_box(settings),
        sqlite_write_turns="queue",
    )
    stop = asyncio.Event()
    try:
        await upgrade_async(engine)
        sessionmaker = create_sessionmaker(engine)
        wiring.connect_signals()  # the sample data goes through the services
        sample = await create_sample_data(sessionmaker, simulator, sink)
        async with transaction(sessionmaker) as session:
            hubspot_id = await demo_hubspot.create_sample_wiring(
                session, hubspot_sim, uuid.UUID(sample.connection_id)
            )
        app = create_app(settings, sessionmaker=sessionmaker)
        app.state.mail_sink = sink
        # Event pages link each meeting to the simulator's page, where it can be driven.
        app.state.simulator_url = simulator.admin_url

        server = _server_without_signal_handling(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="on",
            )
        )
        loop = asyncio.get_running_loop()
        with _stop_on_signals(loop, stop):
            server_task = asyncio.create_task(server.serve(sockets=[app_socket]))
            while not server.started:
                if server_task.done():
                    await server_task
                    raise DemoError("the web server stopped while starting")
                await asyncio.sleep(0.02)
            worker = Worker(sessionmaker, settings, drift_check_every=DEMO_DRIFT_CHECK)
            worker_task = asyncio.create_task(worker.run_forever(stop))
            webhook_note = await _subscribe_webhooks(simulator, url, sample)
            booking_note = await create_sample_booking(sessionmaker, sample, stop)
            _print_banner(
                out,
                url,
                simulator,
                sample,
                db_path,
                webhook_note,
                booking_note,
                demo_hubspot.banner_lines(url, hubspot_sim, hubspot_id),
            )

            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait(
                {stopped, server_task, worker_task}, return_when=asyncio.FIRST_COMPLETED
            )
            stop.set()
            server.should_exit = True
            for task in (server_task, worker_task):
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(task, STOP_TIMEOUT_S)
            stopped.cancel()
        print("zoombridge demo: stopped.", file=out, flush=True)
    finally:
        app_socket.close()
        await engine.dispose()
        simulator.stop()
        hubspot_sim.stop()
        sink.stop()


def _server_without_signal_handling(config: Any) -> Any:
    """uvicorn's Server minus its own Ctrl-C handling: the demo owns the signals, so the worker
    and the simulator stop together with the web server."""
    import uvicorn

    class DemoServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return DemoServer(config)


@contextlib.contextmanager
def _stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> Iterator[None]:
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or not supported here: Ctrl-C still interrupts
    try:
        yield
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


async def create_sample_data(sessionmaker: Any, simulator: Any, sink: Any) -> SampleData:
    """The demo's user, token, connection, webinar, orders, SMTP settings, service and
    employee, through the services (the booking follows once the hosts are fetched)."""
    from zoombridge.accounts.service import create_api_token, create_user
    from zoombridge.bookings import service as bookings
    from zoombridge.bookings.schemas import EmployeeCreate, ServiceCreate
    from zoombridge.connections import service as connections
    from zoombridge.connections.models import ZoomKind
    from zoombridge.connections.schemas import ZoomConnectionCreate
    from zoombridge.db.session import transaction
    from zoombridge.events import service as events
    from zoombridge.events.schemas import EventCreate
    from zoombridge.notifications import service as notifications
    from zoombridge.notifications.models import SmtpSecurity
    from zoombridge.notifications.schemas import SmtpSettingsIn
    from zoombridge.orders import service as orders
    from zoombridge.orders.models import OrderStatus
    from zoombridge.orders.schemas import AttendeeIn, CustomerIn, OrderCreate

    password = secrets.token_urlsafe(9)
    webhook_secret = secrets.token_urlsafe(16)
    config = simulator.config
    async with transaction(sessionmaker) as session:
        user = await create_user(session, DEMO_EMAIL, password, "Demo organiser")
        token, _ = await create_api_token(session, "demo", user_id=user.id)
        connection = await connections.create_connection(
            session,
            ZoomConnectionCreate(
                name="Simulated Zoom",
                account_id=config.account_id,
                client_id=config.client_id,
                client_secret=config.client_secret,
                webhook_secret_token=webhook_secret,
                plan=config.plan,
                webinar_addon=config.webinar_addon,
                api_url=simulator.api_url,
                oauth_url=simulator.oauth_url,
            ),
        )
        await connections.request_test(session, connection.id)
        await connections.request_hosts(session, connection.id)
        start = (datetime.now(UTC) + timedelta(days=7)).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
        event = await events.create_event(
            session,
            EventCreate(
                connection_id=connection.id,
                kind=ZoomKind.WEBINAR,
                topic="zoombridge demo webinar",
                agenda="A sample webinar created on (simulated) Zoom by zoombridge.",
                start=start,
                timezone="Europe/Helsinki",
                duration_minutes=60,
                capacity=100,
            ),
        )
        await orders.create_order(
            session,
            event.id,
            OrderCreate(
                reference="DEMO-1001",
                status=OrderStatus.COMPLETED,
                paid=True,
                customer=CustomerIn(email="ada@example.com", name="Ada Lovelace"),
                attendees=[
                    AttendeeIn(email="ada@example.com", first_name="Ada", last_name="Lovelace"),
                    AttendeeIn(email="alan@example.com", first_name="Alan", last_name="Turing"),
                ],
            ),
        )
        await orders.create_order(
            session,
            event.id,
            OrderCreate(
                reference="DEMO-1002",
                status=OrderStatus.PENDING,
                customer=CustomerIn(email="grace@example.com", name="Grace Hopper"),
                attendees=[
                    AttendeeIn(email="grace@example.com", first_name="Grace", last_name="Hopper")
                ],
            ),
        )
        await notifications.put_smtp(
            session,
            SmtpSettingsIn(
                host=sink.host,
                port=sink.port,
                security=SmtpSecurity.NONE,
                from_address=DEMO_FROM,
                from_name=DEMO_FROM_NAME,
            ),
        )
        service = await bookings.create_service(
            session,
            ServiceCreate(
                name="Consultation",
                description="A 45-minute video consultation.",
                duration_minutes=45,
                zoom_enabled=True,
                connection_id=connection.id,
                reminder_offsets=["1d", "1h"],
            ),
        )
        # Matched by email to the simulator's host once the worker has fetched the hosts.
        employee = await bookings.create_employee(
            session,
            EmployeeCreate(
                name=DEMO_EMPLOYEE, email=config.host_email, connection_id=connection.id
            ),
        )
    return SampleData(
        password=password,
        api_token=token,
        connection_id=str(connection.id),
        webhook_secret=webhook_secret,
        event_id=str(event.id),
        employee_id=str(employee.id),
        service_id=str(service.id),
    )


async def create_sample_booking(sessionmaker: Any, sample: SampleData, stop: asyncio.Event) -> str:
    """A booking tomorrow, once the worker has fetched the simulator's users (the employee's
    Zoom user); returns a note for the banner."""
    import uuid
    from zoneinfo import ZoneInfo

    from zoombridge.bookings import service as bookings
    from zoombridge.bookings.schemas import BookingCreate
    from zoombridge.db.session import transaction
    from zoombridge.errors import DomainError

    deadline = asyncio.get_running_loop().time() + HOSTS_FETCH_TIMEOUT_S
    employee_id = uuid.UUID(sample.employee_id)
    while not stop.is_set():
        async with sessionmaker() as session:
            employee = await bookings.get_employee(session, employee_id)
        if employee.zoom_status == "mapped":
            break
        if asyncio.get_running_loop().time() > deadline:
            return f"none yet: {employee.zoom_problem or 'the Zoom users are not fetched'}"
        await asyncio.sleep(0.2)
    zone = "Europe/Helsinki"
    start = (datetime.now(ZoneInfo(zone)) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    try:
        async with transaction(sessionmaker) as session:
            booking = await bookings.create_booking(
                session,
                BookingCreate(
                    service_id=uuid.UUID(sample.service_id),
                    employee_id=employee_id,
                    customer_first_name="Ada",
                    customer_last_name="Lovelace",
                    customer_email="ada@example.com",
                    start_at=start,
                    timezone=zone,
                ),
            )
    except DomainError as exc:
        return f"not created: {exc.detail}"
    return f"{booking.id} (Consultation with {DEMO_EMPLOYEE}, tomorrow 10:00 {zone})"


async def _subscribe_webhooks(simulator: Any, url: str, sample: SampleData) -> str:
    """Subscribes the app's receiver in the simulator, as one would in Zoom's app settings, so
    Zoom-side changes (edits, deletions, meeting start/end) come back. Returns a note."""
    import httpx

    receiver = f"{url}/webhooks/zoom/{sample.connection_id}"
    try:
        async with httpx.AsyncClient(timeout=15) as http:
            response = await http.post(
                f"{simulator.admin_url}/accounts/{simulator.config.account_id}/webhooks",
                json={"url": receiver, "secret_token": sample.webhook_secret},
            )
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return f"not subscribed ({type(exc).__name__}); drift shows after the periodic check"
    if response.status_code >= 400 or not body.get("validated", False):
        reason = body.get("validation_error") or f"HTTP {response.status_code}"
        return f"not validated ({reason}); drift shows after the periodic check"
    return f"subscribed: {receiver}"


def _print_banner(
    out: TextIO,
    url: str,
    simulator: Any,
    sample: SampleData,
    db_path: Path,
    webhook_note: str,
    booking_note: str = "",
    hubspot_lines: list[str] | None = None,
) -> None:
    lines = [
        "zoombridge demo: Zoom and HubSpot are simulated here, no account needed. Ctrl-C stops it.",
        "",
        f"  Web UI:       {url}/",
        f"  Login:        {DEMO_EMAIL}",
        f"  Password:     {sample.password}",
        f"  API:          {url}/api/v1   (OpenAPI: {url}/openapi.json)",
        f"  API token:    {sample.api_token}",
        f"  Database:     {db_path} (recreated at every start)",
        f"  Zoom (sim):   {simulator.admin_url}/  (drive it: change or delete meetings, "
        "start them, make people join and leave)",
        *(hubspot_lines or []),
        f"  Webhooks:     {webhook_note}",
        f"  Mailbox:      {url}/mailbox  (the emails sent, caught by a local SMTP server)",
        f"  Booking:      {booking_note}",
        "",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {sample.api_token}' {url}/api/v1/events",
        "",
    ]
    out.write("\n".join(lines) + "\n")
    out.flush()
