"""Slow clients over raw loopback sockets: a connection that does not deliver a whole request in time
is closed, keep-alive connections between requests are not, and a cut request never trades."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from minted_lab.sandbox import Sandbox

from .conftest import HEADERS, TLS, Api, digest_header, fetch_challenge, make_http, parse

TIMEOUT = 0.5


@pytest.fixture
def quick() -> Iterator[Sandbox]:
    with Sandbox(seed=7, request_timeout=TIMEOUT) as sandbox:
        yield sandbox


def _connect(sb: Sandbox) -> socket.socket:
    host, port = sb.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.settimeout(5)
    return sock


def _closed_after(sock: socket.socket) -> float:
    """Seconds until the server closes `sock` without answering (at most 5: then the test fails)."""
    started = time.monotonic()
    assert sock.recv(4096) == b""
    return time.monotonic() - started


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from a keep-alive socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk
        body += chunk
    return head


def test_sockets_that_never_finish_a_request_are_closed(quick: Sandbox) -> None:
    partial = [
        b"",
        b"GET /partner/bal",
        b"GET /partner/balance HTTP/1.1\r\nHost: x\r\n",
        b'POST /partner/pricefix HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"type"',
    ]
    socks = [_connect(quick) for _ in range(3) for _ in partial]
    try:
        started = time.monotonic()
        for sock, data in zip(socks, partial * 3, strict=False):
            if data:
                sock.sendall(data)
        for sock in socks:
            _closed_after(sock)
        waited = time.monotonic() - started
        assert TIMEOUT * 0.8 <= waited < 4
    finally:
        for sock in socks:
            sock.close()
    with make_http(quick) as http:
        assert http.get("/partner/balance").status_code == 200


def test_a_trickling_request_is_timed_from_its_first_byte(quick: Sandbox) -> None:
    sock = _connect(quick)
    started = time.monotonic()
    try:
        for byte in b"GET /partner/balance HTTP/1.1\r\nHost: x\r\n":  # a byte every 0.1 s: 4 s in all
            try:
                sock.send(bytes([byte]))
            except OSError:
                break
            if select.select([sock], [], [], 0.1)[0]:
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(4096) == b""
                break
        else:
            pytest.fail("a connection trickling bytes was never closed")
        assert TIMEOUT * 0.8 <= time.monotonic() - started < TIMEOUT + 1  # new bytes did not reset the clock
    finally:
        sock.close()


def test_keep_alive_between_requests_outlives_the_request_timeout(quick: Sandbox) -> None:
    sock = _connect(quick)
    request = b"GET /partner/orders/statuses HTTP/1.1\r\nHost: x\r\nx-client-id: web\r\n\r\n"
    try:
        sock.sendall(request)
        assert _read_response(sock).startswith(b"HTTP/1.1 401")
        time.sleep(TIMEOUT * 2)
        sock.sendall(request)
        assert _read_response(sock).startswith(b"HTTP/1.1 401")
    finally:
        sock.close()


def test_a_slow_answer_is_not_a_slow_request(quick: Sandbox) -> None:
    quick.faults.inject("order_statuses", "latency", seconds=TIMEOUT * 2)
    with make_http(quick) as http:
        assert http.get("/partner/balance").status_code == 200
        assert http.get("/partner/orders/statuses").status_code == 200


def test_a_sell_cut_before_its_body_ends_is_not_traded(sb: Sandbox, api: Api) -> None:
    token = api.token()
    body = f'{{"price_token": "{token}", "external_id": "CUT-1", "items": [{{"sku": "GAG", "amount": 1}}]}}'.encode()
    uri = "/partner/order/digital/sell"
    header = digest_header(sb, "POST", uri, fetch_challenge(sb), 1)
    sock = _connect(sb)
    try:
        head = (
            f"POST {uri} HTTP/1.1\r\nHost: x\r\nx-client-id: web\r\nContent-Type: application/json\r\n"
            f"Authorization: {header}\r\nExpect: 100-continue\r\nContent-Length: {len(body) + 10}\r\n\r\n"
        )
        sock.sendall(head.encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 100")  # the app is reading the body now
        sock.sendall(body)  # a whole JSON object, yet 10 bytes short of the announced length
    finally:
        sock.close()
    assert sb.wait_idle()
    assert sb.orders() == []
    [record] = [r for r in sb.requests if r.endpoint == "sell"]
    assert record.status is None and record.user is None
    assert api.sell(price_token=token, external_id="CUT-1").status_code == 200


def test_request_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Sandbox(request_timeout=0)


def test_cli_request_timeout_and_no_error_fields() -> None:
    code = (
        "import argparse, sys; from minted_lab.sandbox import cli; p = argparse.ArgumentParser(); "
        "cli.configure(p); sys.exit(cli.run(p.parse_args(sys.argv[1:])))"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "--port",
            "0",
            "--history",
            "0",
            "--clock",
            "frozen",
            "--request-timeout",
            str(TIMEOUT),
            "--no-error-fields",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split(" on ", 1)[1].split()[0]
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.settimeout(5)
            sock.sendall(b"GET /partner/bal")
            assert sock.recv(4096) == b""
        auth = httpx.DigestAuth("sandbox", "sandbox-password")
        with httpx.Client(base_url=url, auth=auth, headers=HEADERS, verify=TLS, timeout=10) as http:
            r = http.get("/partner/orders", params={"page": "0"})
            assert r.status_code == 422 and set(parse(r)) == {"data", "success", "code", "message"}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
