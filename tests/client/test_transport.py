"""The async client's transport: its connections answer "is the socket readable?" from the socket they
opened with, and a kept-alive connection the server has closed is still never reused."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from minted_lab import _transport
from minted_lab._transport import SocketBackend, SocketStream, async_transport, readable


def test_readable_says_when_the_peer_wrote_or_closed() -> None:
    ours, theirs = socket.socketpair()
    try:
        assert not readable(ours)
        theirs.sendall(b"x")
        assert readable(ours)
        ours.recv(1)
        assert not readable(ours)
        theirs.close()
        assert readable(ours)
    finally:
        ours.close()
    assert readable(ours), "a closed socket (fileno -1) counts as readable, so it is dropped"
    assert readable(None)


def test_the_async_client_pools_its_connections_on_socket_streams(sb: object) -> None:
    async def run() -> tuple[object, list[object], int]:
        async with sb.async_client() as client:  # type: ignore[attr-defined]
            await client.orders()
            await client.orders(page=2)
            pool = client._http._transport._pool
            streams = [c._connection._network_stream for c in pool.connections]
            return pool._network_backend, streams, len(pool.connections)

    backend, streams, connections = asyncio.run(run())
    assert isinstance(backend, SocketBackend), "httpx/httpcore moved the pool's network backend"
    assert connections == 1, "two pages one after the other share one kept-alive connection"
    assert all(isinstance(s, SocketStream) for s in streams)


async def _closing_server() -> tuple[asyncio.Server, int, list[int]]:
    """A server that answers one request per connection, keep-alive headers and all, then hangs up."""
    accepted: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], accepted


async def _two_requests() -> tuple[list[int], int]:
    server, port, accepted = await _closing_server()
    async with server, httpx.AsyncClient(transport=async_transport()) as client:
        first = await client.get(f"http://127.0.0.1:{port}/")
        await asyncio.sleep(0.05)
        second = await client.get(f"http://127.0.0.1:{port}/")
        assert first.text == second.text == "ok"
        return accepted, len(client._transport._pool.connections)  # type: ignore[attr-defined]


def test_a_connection_the_server_closed_is_not_reused() -> None:
    accepted, _ = asyncio.run(_two_requests())
    assert len(accepted) == 2


def test_the_check_is_what_keeps_a_closed_connection_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above can fail: with a readability check that never sees the close, the second request
    goes down the dead connection."""
    monkeypatch.setattr(_transport, "readable", lambda sock: False)
    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(_two_requests())
