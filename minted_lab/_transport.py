"""The async client's HTTP transport: httpx's own, over connections that keep their socket at hand.

Before it hands out or takes back a connection, httpcore's pool asks every pooled connection whether
its socket has become readable (the sign that the server closed it). Through httpcore's AnyIO stream
each of those questions rebuilds AnyIO's table of a socket's attributes to find the socket, which cost
about 1.2 ms of CPU per order page with 8 pages in flight: over a third of what the async client
spent per page (encode/httpx#3215, encode/httpcore#928). The streams here look the socket up once, when
the connection opens, and ask the same question of it (a zero-timeout poll): which connections are
reused, and when, is exactly as before.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
"""A socket option as httpcore takes it: (level, name, value) or (level, name, None, length)."""


def readable(sock: socket.socket | None) -> bool:
    """Whether `sock` has bytes (or its end) waiting: the server closed a kept-alive connection.

    A socket that is gone counts as readable, so its connection is dropped rather than reused."""
    if sock is None or sock.fileno() < 0:
        return True
    if not hasattr(select, "poll"):
        ready, _, _ = select.select([sock], [], [], 0)
        return bool(ready)
    poll = select.poll()
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


class SocketStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream that answers "is_readable" from the socket it found when it opened."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return SocketStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return readable(self._socket)
        return self._stream.get_extra_info(info)


class SocketBackend(httpcore.AsyncNetworkBackend):
    """httpcore's AnyIO backend (asyncio or trio), with its streams wrapped in `SocketStream`."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return SocketStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return SocketStream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def async_transport() -> httpx.AsyncHTTPTransport:
    """httpx's default async transport (same limits, TLS, retries and errors), its pool on `SocketBackend`.

    httpx 0.28 takes no network backend, so the pool's is set after it is built; should a later httpx
    or httpcore move that attribute, this is httpx's plain transport (slower, never different), and
    tests/client/test_transport.py fails to say so."""
    transport = httpx.AsyncHTTPTransport()
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"):
        pool._network_backend = SocketBackend()
    return transport
