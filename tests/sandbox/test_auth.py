"""Digest auth for real: challenges, wrong passwords, stale nonces, replays, the read-only user, algorithms."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.auth import parse_params

from .conftest import HEADERS, TLS, Api, digest_header, fetch_challenge, make_http, parse, raw_get


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


def test_authenticated_client_pays_one_401_then_reuses_thefetch_challenge(sb: Sandbox, http: httpx.Client) -> None:
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


def _get(sb: Sandbox, uri: str, authorization: str) -> int:
    return raw_get(sb.url + uri, headers={**HEADERS, "Authorization": authorization}).status_code


def test_replayed_nonce_count_is_refused_but_out_of_order_counts_pass(sb: Sandbox) -> None:
    challenge = fetch_challenge(sb)
    uri = "/partner/balance"

    def get(nc: int) -> int:
        return _get(sb, uri, digest_header(sb, "GET", uri, challenge, nc))

    assert get(3) == 200
    assert get(1) == 200  # lower but never seen: concurrent clients send counts out of order
    assert get(3) == 401  # seen before: a replay
    assert get(2) == 200


def test_nonce_counts_outside_the_anti_replay_window_are_refused(sb: Sandbox) -> None:
    challenge = fetch_challenge(sb)
    uri = "/partner/balance"

    def get(nc: int) -> int:
        return _get(sb, uri, digest_header(sb, "GET", uri, challenge, nc))

    assert get(100) == 200
    assert get(35) == 401  # never seen, but 65 below the highest: outside the window
    assert get(36) == 200  # 64 below: inside
    assert get(36) == 401
    assert get(0) == 401  # counts start at 1
    assert get(101) == 200 and get(99) == 200
    assert get(100) == 401 and get(101) == 401


def test_uri_must_match_the_request(sb: Sandbox) -> None:
    header = digest_header(sb, "GET", "/partner/prices", fetch_challenge(sb), 1)
    assert _get(sb, "/partner/balance", header) == 401


def test_stale_nonce_is_answered_stale_and_httpx_renews_it() -> None:
    with Sandbox(seed=7, nonce_ttl=0.3) as sb, make_http(sb) as http:
        assert http.get("/partner/balance").status_code == 200
        challenge = fetch_challenge(sb)
        time.sleep(0.4)
        headers = {**HEADERS, "Authorization": digest_header(sb, "GET", "/partner/balance", challenge, 1)}
        r = raw_get(sb.url + "/partner/balance", headers=headers)
        assert r.status_code == 401 and "stale=true" in r.headers["www-authenticate"]
        bad = {**HEADERS, "Authorization": digest_header(sb, "GET", "/partner/balance", challenge, 2, password="x")}
        assert "stale=false" in raw_get(sb.url + "/partner/balance", headers=bad).headers["www-authenticate"]
        assert http.get("/partner/balance").status_code == 200  # httpx answers the stale challenge itself


def test_same_seed_sandboxes_issue_different_nonces_so_a_captured_header_dies_with_its_server() -> None:
    uri = "/partner/balance"
    with Sandbox(seed=7) as first:
        challenge = fetch_challenge(first)
        captured = digest_header(first, "GET", uri, challenge, 1)
        assert _get(first, uri, captured) == 200
    with Sandbox(seed=7) as second:  # "the same sandbox after a restart"
        again = fetch_challenge(second)
        assert again["nonce"] != challenge["nonce"]
        assert _get(second, uri, captured) == 401
        assert _get(second, uri, digest_header(second, "GET", uri, again, 1)) == 200


def test_only_the_offered_algorithm_is_accepted() -> None:
    uri = "/partner/balance"
    with Sandbox(seed=7) as sb:  # SHA-256
        challenge = fetch_challenge(sb)
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 1, algorithm="MD5")) == 401
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 2, algorithm=None)) == 401  # absent = MD5
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 3, algorithm="SHA-256-sess")) == 401
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 4, algorithm="sha-256")) == 200
    with Sandbox(seed=7, digest_algorithm="MD5") as sb:
        challenge = fetch_challenge(sb)
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 1, algorithm="SHA-256")) == 401
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 2, algorithm=None)) == 200
        assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 3, algorithm="MD5")) == 200


def test_opaque_is_required_and_must_be_the_issued_one(sb: Sandbox) -> None:
    uri = "/partner/balance"
    challenge = fetch_challenge(sb)
    assert challenge["opaque"]
    assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 1, opaque=None)) == 401
    assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 2, opaque="0" * 32)) == 401
    assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 3, opaque="")) == 401
    assert _get(sb, uri, digest_header(sb, "GET", uri, challenge, 4)) == 200


def test_a_bare_question_mark_is_part_of_the_signed_uri(sb: Sandbox, http: httpx.Client) -> None:
    bare = "/partner/orders/statuses?"
    assert httpx.URL(sb.url + bare).raw_path == bare.encode()  # what httpx sends and signs
    challenge = fetch_challenge(sb)
    assert _get(sb, bare, digest_header(sb, "GET", bare, challenge, 1)) == 200
    assert _get(sb, bare, digest_header(sb, "GET", bare.rstrip("?"), challenge, 2)) == 401
    assert _get(sb, bare.rstrip("?"), digest_header(sb, "GET", bare, challenge, 3)) == 401
    assert http.get("/partner/balance").status_code == 200  # the client's one 401, elsewhere
    r = http.get(bare)
    assert r.status_code == 200 and parse(r)["data"]
    assert http.get("/partner/orders", params={"total": 5}).status_code == 200
    assert [x.status for x in sb.requests if x.endpoint == "order_statuses"] == [200, 401, 401, 200]


def test_viewer_reads_but_may_not_trade(sb: Sandbox, api: Api) -> None:
    token = api.token()
    with make_http(sb, sb.readonly_username, sb.readonly_password) as viewer:
        assert viewer.get("/partner/balance").status_code == 200
        assert (
            viewer.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "3"}).status_code == 200
        )
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
