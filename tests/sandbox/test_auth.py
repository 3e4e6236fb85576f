"""Digest auth for real: challenges, wrong passwords, stale nonces, replays, the read-only user, algorithms."""

from __future__ import annotations

import asyncio
import hashlib
import time

import httpx
import pytest

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.auth import parse_params

from .conftest import HEADERS, TLS, Api, make_http, parse, raw_get


def test_no_header_gets_one_sha256_challenge_in_the_envelope(sb: Sandbox) -> None:
    r = raw_get(sb.url + "/partner/balance", headers=HEADERS)
    assert r.status_code == 401
    challenges = r.headers.get_list("www-authenticate")
    assert len(challenges) == 1 and challenges[0].startswith("Digest ")
    params = parse_params(challenges[0][7:])
    assert params["realm"] == "minted-sandbox" and params["qop"] == "auth"
    assert params["algorithm"] == "SHA-256" and params["stale"] == "false"
    body = parse(r)
    assert body == {"data": None, "success": False, "code": 401, "message": body["message"]} and body["message"]


def test_wrong_password_is_refused(sb: Sandbox) -> None:
    with make_http(sb, password="nope") as http:
        r = http.get("/partner/balance")
    assert r.status_code == 401 and parse(r)["code"] == 401


def test_unknown_user_is_refused(sb: Sandbox) -> None:
    with make_http(sb, user="mallory", password="sandbox-password") as http:
        assert http.get("/partner/balance").status_code == 401


def test_authenticated_client_pays_one_401_then_reuses_the_challenge(sb: Sandbox, http: httpx.Client) -> None:
    for _ in range(5):
        assert http.get("/partner/balance").status_code == 200
    statuses = [r.status for r in sb.requests]
    assert statuses == [401, 200, 200, 200, 200, 200]


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_both_algorithms(algorithm: str) -> None:
    with Sandbox(seed=7, digest_algorithm=algorithm) as sb, make_http(sb) as http:
        r = raw_get(sb.url + "/partner/balance", headers=HEADERS)
        assert f"algorithm={algorithm}" in r.headers["www-authenticate"]
        assert http.get("/partner/balance").status_code == 200


def _manual_header(sb: Sandbox, method: str, uri: str, nonce: str, nc: int, algorithm: str = "SHA-256",
                   password: str | None = None) -> str:
    h = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5

    def d(s: str) -> str:
        return h(s.encode()).hexdigest()

    ha1 = d(f"{sb.username}:minted-sandbox:{password or sb.password}")
    ha2 = d(f"{method}:{uri}")
    ncv, cnonce = f"{nc:08x}", "0a4f113b"
    response = d(f"{ha1}:{nonce}:{ncv}:{cnonce}:auth:{ha2}")
    return (f'Digest username="{sb.username}", realm="minted-sandbox", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm={algorithm}, qop=auth, nc={ncv}, cnonce="{cnonce}"')


def _nonce(sb: Sandbox) -> str:
    r = raw_get(sb.url + "/partner/balance", headers=HEADERS)
    return parse_params(r.headers["www-authenticate"][7:])["nonce"]


def test_replayed_nonce_count_is_refused_but_out_of_order_counts_pass(sb: Sandbox) -> None:
    nonce = _nonce(sb)
    uri = "/partner/balance"

    def get(nc: int) -> int:
        headers = {**HEADERS, "Authorization": _manual_header(sb, "GET", uri, nonce, nc)}
        return raw_get(sb.url + uri, headers=headers).status_code

    assert get(3) == 200
    assert get(1) == 200  # lower but never seen: concurrent clients send counts out of order
    assert get(3) == 401  # seen before: a replay
    assert get(2) == 200


def test_uri_must_match_the_request(sb: Sandbox) -> None:
    nonce = _nonce(sb)
    headers = {**HEADERS, "Authorization": _manual_header(sb, "GET", "/partner/prices", nonce, 1)}
    assert raw_get(sb.url + "/partner/balance", headers=headers).status_code == 401


def test_stale_nonce_is_answered_stale_and_httpx_renews_it() -> None:
    with Sandbox(seed=7, nonce_ttl=0.3) as sb, make_http(sb) as http:
        assert http.get("/partner/balance").status_code == 200
        nonce = _nonce(sb)
        time.sleep(0.4)
        headers = {**HEADERS, "Authorization": _manual_header(sb, "GET", "/partner/balance", nonce, 1)}
        r = raw_get(sb.url + "/partner/balance", headers=headers)
        assert r.status_code == 401 and "stale=true" in r.headers["www-authenticate"]
        bad = {**HEADERS, "Authorization": _manual_header(sb, "GET", "/partner/balance", nonce, 2, password="x")}
        assert "stale=false" in raw_get(sb.url + "/partner/balance", headers=bad).headers["www-authenticate"]
        assert http.get("/partner/balance").status_code == 200  # httpx answers the stale challenge itself


def test_viewer_reads_but_may_not_trade(sb: Sandbox, api: Api) -> None:
    token = api.token()
    with make_http(sb, sb.readonly_username, sb.readonly_password) as viewer:
        assert viewer.get("/partner/balance").status_code == 200
        assert viewer.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "3"}).status_code == 200
        body = {"price_token": token, "external_id": "V-1", "items": [{"sku": "GAG", "amount": 1}]}
        before = sb.balance("GAG")
        for side in ("sell", "buy"):
            r = viewer.post(f"/partner/order/digital/{side}", json=body)
            assert r.status_code == 403 and parse(r)["code"] == 403 and parse(r)["success"] is False
        assert sb.balance("GAG") == before and sb.orders() == []
        assert viewer.post("/partner/customer", json={"external_id": "VIEW-1"}).status_code == 403
    assert api.sell(price_token=token, external_id="V-1").status_code == 200  # the token was not consumed


def test_concurrent_async_clients_sharing_one_digest_auth(sb: Sandbox) -> None:
    async def main() -> list[int]:
        auth = httpx.DigestAuth(sb.username, sb.password)
        async with httpx.AsyncClient(base_url=sb.url, auth=auth, headers=HEADERS, verify=TLS) as client:
            await client.get("/partner/balance")
            responses = await asyncio.gather(*(client.get("/partner/prices") for _ in range(30)))
        return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 30
