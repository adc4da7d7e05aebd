"""The real app (uvicorn) and the sync worker in a background thread, on a free loopback port.

Playwright's sync API owns the test's thread, so the app runs in a thread of its own with its
own event loop, exactly as `zoombridge serve` + `zoombridge worker` would, on a SQLite file.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from zoombridge.db.encryption import load_secret_box
from zoombridge.db.engine import create_engine
from zoombridge.db.migrate import upgrade_async
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.notifications.sink import MailSink
from zoombridge.settings import Settings
from zoombridge.web.app import create_app
from zoombridge.worker import Worker

START_TIMEOUT_S = 15.0
T = TypeVar("T")


class AppThread:
    """`start()` returns once the app answers; `stop()` ends the server and the worker."""

    def __init__(
        self,
        data_dir: Path,
        *,
        drift_check_every: timedelta,
        mail_sink: MailSink | None = None,
    ) -> None:
        # With a sink the UI shows its Mailbox page (the app's `state.mail_sink`, as the demo).
        self.mail_sink = mail_sink
        self.settings = Settings(data_dir=data_dir)
        self.database_url = f"sqlite+aiosqlite:///{(data_dir / 'ui.sqlite').resolve()}"
        self.drift_check_every = drift_check_every
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="zoombridge-ui-app", daemon=True)

    def start(self) -> AppThread:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error is not None:
            raise RuntimeError(f"the app did not start on {self.url}") from self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT_S)
        self.sock.close()

    def create_user(self, email: str, password: str) -> None:
        """Sets up the organiser's account, as `zoombridge user create` would."""
        from zoombridge.accounts.service import create_user

        async def create() -> None:
            engine = create_engine(self.database_url, secret_box=load_secret_box(self.settings))
            try:
                async with transaction(create_sessionmaker(engine)) as session:
                    await create_user(session, email, password)
            finally:
                await engine.dispose()

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(create(), self._loop).result(START_TIMEOUT_S)

    def run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """`work(session)` in the app's loop, in one committed transaction (test set-up done
        through the services, as the CLI would)."""

        async def run() -> T:
            engine = create_engine(self.database_url, secret_box=load_secret_box(self.settings))
            try:
                async with transaction(create_sessionmaker(engine)) as session:
                    return await work(session)
            finally:
                await engine.dispose()

        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(START_TIMEOUT_S)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        settings = self.settings.model_copy(update={"database_url": self.database_url})
        engine = create_engine(self.database_url, secret_box=load_secret_box(settings))
        try:
            await upgrade_async(engine)
            sessionmaker = create_sessionmaker(engine)
            app = create_app(settings, sessionmaker=sessionmaker)
            app.state.mail_sink = self.mail_sink
            config = uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="on",
            )
            # Off the main thread uvicorn leaves signals alone: stop() is how this server ends.
            server = uvicorn.Server(config)
            server_task = asyncio.create_task(server.serve(sockets=[self.sock]))
            worker = Worker(
                sessionmaker, settings, drift_check_every=self.drift_check_every, poll_interval=0.2
            )
            worker_task = asyncio.create_task(worker.run_forever(self._stop))
            deadline = time.monotonic() + START_TIMEOUT_S
            # uvicorn offers a flag, not an event, for "started".
            while not server.started and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            self._ready.set()
            await self._stop.wait()
            server.should_exit = True
            await asyncio.wait_for(server_task, START_TIMEOUT_S)
            await asyncio.wait_for(worker_task, START_TIMEOUT_S)
        finally:
            await engine.dispose()
