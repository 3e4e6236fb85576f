"""Runs the app under uvicorn (h11) on a socket we make ourselves: in a thread, or in the foreground.

The h11 protocol is ours (`TimedH11Protocol`): it closes connections that do not deliver a whole
request in time, and reports each request's raw target to the app for Digest's `uri` check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from minted_lab.sandbox.gateway import REQUEST_TARGET

DEFAULT_REQUEST_TIMEOUT = 10.0

_DROP_MESSAGES = ("ASGI callable returned without completing response.",)


class _QuietDrops(logging.Filter):
    """Hides uvicorn's error line for the connections the sandbox drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in _DROP_MESSAGES


_filter_installed = False


def _install_filter() -> None:
    global _filter_installed
    if not _filter_installed:
        logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
        _filter_installed = True


def make_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket with IPPROTO_TCP, so asyncio turns Nagle off (see TOOLCHAIN.md);
    listening at once lets a client connect as soon as the URL is printed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-read timeout, and the raw request target in the scope.

    uvicorn times out idle keep-alive connections but not a request that is still arriving, so a
    client that opens a connection and sends half a request line holds it open forever (hundreds of
    them exhaust the server). Here a whole request, head and body, must arrive within `request_timeout`
    seconds, counted from the connection's opening for the first request and from the first byte for
    later ones; else the connection is closed without an answer (an app already reading the body sees
    a disconnect). Idle time between requests is uvicorn's `timeout_keep_alive`, as before.

    uvicorn splits the target into `raw_path` and `query_string`, losing a bare trailing `?`
    (`/partner/orders/statuses?`, which httpx sends and signs as is); the raw target is put in
    `scope["extensions"][REQUEST_TARGET]` so the Digest check compares against what was sent.
    """

    request_timeout = DEFAULT_REQUEST_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None
        self._target: bytes | None = None
        next_event = self.conn.next_event

        def remembering_next_event() -> Any:
            event = next_event()
            if isinstance(event, h11.Request):
                self._target = event.target
            return event

        self.conn.next_event = remembering_next_event  # type: ignore[method-assign]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_read_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_read_timer()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        """uvicorn's event handling, then: stamp the target of a request just parsed (its task has not run
        yet) and time the request still arriving, if any."""
        super().handle_events()
        if self._target is not None and self.scope is not None:
            self.scope.setdefault("extensions", {})[REQUEST_TARGET] = {"target": self._target}
            self._target = None
        self._update_read_timer()

    def _update_read_timer(self) -> None:
        state = self.conn.their_state
        if state is h11.SEND_BODY or (state is h11.IDLE and self.conn.trailing_data[0]):
            self._arm_read_timer()
        elif state is not h11.IDLE:
            self._disarm_read_timer()

    def _arm_read_timer(self) -> None:
        if self._read_timer is None:
            self._read_timer = self.loop.call_later(self.request_timeout, self._request_timed_out)

    def _disarm_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _request_timed_out(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def timed_protocol(request_timeout: float) -> type[TimedH11Protocol]:
    """A TimedH11Protocol class with `request_timeout` seconds (uvicorn makes one instance per connection)."""
    if not request_timeout > 0:
        raise ValueError("request_timeout must be a positive number of seconds")
    return type("TimedH11Protocol", (TimedH11Protocol,), {"request_timeout": float(request_timeout)})


class _ThreadServer(uvicorn.Server):
    """uvicorn that stops at once when asked from another thread (tests start and stop hundreds)."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def request_exit(self) -> None:
        """Set `should_exit` and wake the main loop (thread-safe)."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + (self.config.timeout_graceful_shutdown or 0)
        while (self.server_state.connections or self.server_state.tasks) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for task in list(self.server_state.tasks):
            task.cancel()
        for server in self.servers:
            await server.wait_closed()


def make_server(
    app: ASGIApp,
    log_level: str = "warning",
    configure_logging: bool = False,
    threaded: bool = False,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> uvicorn.Server:
    """A uvicorn server for `app` with the timed h11 protocol and no Server/Date headers (byte-stable answers)."""
    _install_filter()
    config = uvicorn.Config(
        app,
        http=timed_protocol(request_timeout),
        ws="none",
        lifespan="off",
        loop="asyncio",
        log_level=log_level,
        log_config=uvicorn.config.LOGGING_CONFIG if configure_logging else None,
        access_log=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )
    return _ThreadServer(config) if threaded else uvicorn.Server(config)


class ServerThread:
    """uvicorn in a daemon thread; `start()` returns once the port accepts connections."""

    def __init__(
        self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    ) -> None:
        self.server = make_server(app, threaded=True, request_timeout=request_timeout)
        self.sock = make_socket(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.thread = threading.Thread(target=self._run, name=f"minted-sandbox:{self.port}", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:
            self.error = exc

    def start(self, timeout: float = 10.0) -> None:
        """Start serving and wait until uvicorn says it started."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if self.error is not None or not self.thread.is_alive():
                raise RuntimeError(f"sandbox server failed to start: {self.error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox server did not start in time")
            time.sleep(0.005)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask uvicorn to exit, force it if it lingers, and close the socket."""
        server = self.server
        if isinstance(server, _ThreadServer):
            server.request_exit()
        else:
            server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout)
        self.sock.close()
