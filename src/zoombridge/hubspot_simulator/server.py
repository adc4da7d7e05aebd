"""`HubSpotSimulatorServer`: the simulator served by uvicorn in a background thread."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from zoombridge.hubspot_simulator.app import create_app
from zoombridge.hubspot_simulator.config import HubSpotSimulatorConfig
from zoombridge.hubspot_simulator.runtime import Simulation

START_TIMEOUT_S = 10.0


class _QuietDrops(logging.Filter):
    """Injected dropped connections are on purpose: don't log them as application errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


def quiet_dropped_connections() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


class HubSpotSimulatorServer:
    def __init__(
        self,
        config: HubSpotSimulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config or HubSpotSimulatorConfig()
        self.host = host
        self.port = port
        self.app: Starlette = create_app(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def simulation(self) -> Simulation:
        """The in-process state (read it only from the server's loop or when it is idle)."""
        sim: Simulation = self.app.state.simulation
        return sim

    @property
    def url(self) -> str:
        """The API's base URL (HubSpot's https://api.hubapi.com)."""
        return f"http://{self.host}:{self.port}"

    @property
    def admin_url(self) -> str:
        return self.url + "/_sim"

    def start(self) -> HubSpotSimulatorServer:
        """Starts serving; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("this HubSpotSimulatorServer is already running")
        quiet_dropped_connections()
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose proto
        # says TCP; without it every answer waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="on", timeout_keep_alive=30
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="hubspot-simulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the HubSpot simulator did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT_S)
        self._server = None
        self._thread = None

    def __enter__(self) -> HubSpotSimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"HubSpotSimulatorServer(url={self.url!r}, hub_id={self.config.hub_id!r})"
