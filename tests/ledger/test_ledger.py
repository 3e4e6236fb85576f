"""The ledger on its own: schema, environment separation, intent lifecycle, durability, processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from minted_lab.ledger import (
    SCHEMA_VERSION,
    ExternalIdConflictError,
    Ledger,
    LedgerBusyError,
    LedgerError,
    LedgerMismatchError,
    default_directory,
)

from .conftest import FakeClient, FakeOrder, FakeQuote, sell_body


def test_new_file_is_wal_with_versioned_schema(ledger: Ledger) -> None:
    assert ledger.journal_mode == "wal"
    meta = ledger.meta
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["environment"] == "sandbox"
    assert meta["host"] == "127.0.0.1:8765"
    raw = sqlite3.connect(ledger.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "quotes", "prices", "intents", "outcomes"} <= tables


def test_a_newer_schema_is_refused(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    raw = sqlite3.connect(ledger_path)
    raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(LedgerError, match="schema version 99"):
        Ledger(ledger_path)


def test_reopening_keeps_data_and_version(ledger: Ledger) -> None:
    ledger.open_intent("ML-00000000000A", "sell", {"GAG": 250}, sell_body("ML-00000000000A"), currency="GBP")
    ledger.close()
    with Ledger(ledger.path) as again:
        assert again.meta["schema_version"] == str(SCHEMA_VERSION)
        assert again.intent("ML-00000000000A") is not None
        assert again.environment == "sandbox"


@pytest.mark.parametrize(
    ("environment", "base_url", "host", "name"),
    [
        ("sandbox", "http://127.0.0.1:8765", "127.0.0.1:8765", "ledger-sandbox-127.0.0.1_8765.sqlite"),
        (
            "staging",
            "https://api.staging.mintedconnect.com",
            "api.staging.mintedconnect.com",
            "ledger-staging-api.staging.mintedconnect.com.sqlite",
        ),
        (
            "production",
            "https://API.mintedconnect.com/",
            "api.mintedconnect.com",
            "ledger-production-api.mintedconnect.com.sqlite",
        ),
    ],
)
def test_one_file_per_environment_and_host(
    tmp_path: Path, environment: str, base_url: str, host: str, name: str
) -> None:
    with Ledger.for_client(FakeClient(environment, base_url), directory=tmp_path) as ledger:
        assert ledger.path == tmp_path / name
        assert (ledger.environment, ledger.host) == (environment, host)


def test_default_directory_follows_minted_lab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINTED_LAB_HOME", str(tmp_path / "home"))
    assert default_directory() == tmp_path / "home"
    with Ledger.for_client(FakeClient()) as ledger:
        assert ledger.path.parent == tmp_path / "home"


@pytest.mark.parametrize(
    ("other", "field"),
    [
        (FakeClient("staging", "http://127.0.0.1:8765"), "environment"),
        (FakeClient("production", "https://api.mintedconnect.com"), "environment"),
        (FakeClient("sandbox", "http://127.0.0.1:9999"), "host"),
    ],
)
def test_a_client_of_another_environment_or_host_is_refused(ledger: Ledger, other: FakeClient, field: str) -> None:
    with pytest.raises(LedgerMismatchError, match=f"belongs to {field}"):
        ledger.check(other)


def test_environment_given_at_open_must_match(ledger_path: Path) -> None:
    Ledger(ledger_path, environment="production", host="api.mintedconnect.com").close()
    with pytest.raises(LedgerMismatchError, match="'production', not 'sandbox'"):
        Ledger(ledger_path, environment="sandbox")


def test_intent_is_durable_and_visible_to_another_connection_at_once(ledger: Ledger) -> None:
    ledger.open_intent("ML-00000000000B", "sell", {"GAG": 250}, sell_body("ML-00000000000B"), currency="GBP")
    other = sqlite3.connect(ledger.path)
    row = other.execute(
        "SELECT state, items, request_body FROM intents WHERE external_id = 'ML-00000000000B'"
    ).fetchone()
    assert row[0] == "open"
    assert '"GAG": "250"' in row[1]
    assert '"external_id": "ML-00000000000B"' in row[2]


def test_placed_intent_stores_money_as_text(ledger: Ledger) -> None:
    ledger.open_intent("ML-00000000000C", "sell", {"GAG": 250}, sell_body("ML-00000000000C"), currency="GBP")
    intent = ledger.settle_placed("ML-00000000000C", FakeOrder("ML-00000000000C", total=Decimal("185.25")))
    assert intent.state == "placed"
    assert intent.total == Decimal("185.25")
    assert intent.order_code == "AB12CD34"
    raw = sqlite3.connect(ledger.path)
    assert raw.execute("SELECT typeof(total), total FROM intents").fetchone() == ("text", "185.25")
    types = {r[0] for r in raw.execute("SELECT typeof(spot_price) FROM prices")}
    assert "real" not in types


def test_lifecycle_refuses_what_would_send_twice(ledger: Ledger) -> None:
    eid = "ML-00000000000D"
    t0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP", sent_at=t0)
    with pytest.raises(LedgerError, match="open intent whose outcome is unknown: resolve it first"):
        ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    ledger.note_unknown(eid, "read timeout")
    assert ledger.intent(eid).doubt_at == t0  # type: ignore[union-attr]
    inside = ledger.settle_not_found(eid, now=t0 + timedelta(seconds=299), settle_window=300)
    assert (inside.state, inside.error) == ("open", "not found yet; it may still land for 1 s")
    after = ledger.settle_not_found(eid, now=t0 + timedelta(seconds=300), settle_window=300)
    assert after.state == "not_placed" and after.doubt_since is None
    again = ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    assert (again.state, again.attempts) == ("open", 2)
    assert ledger.settle_refused(eid, "422 price token expired").state == "not_placed"
    with pytest.raises(ExternalIdConflictError, match="a sell of GAG 250 GBP"):
        ledger.open_intent(eid, "buy", {"GAG": 1}, sell_body(eid), currency="GBP")
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    ledger.settle_placed(eid, FakeOrder(eid))
    with pytest.raises(LedgerError, match="already placed"):
        ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    assert ledger.settle_refused(eid, "late refusal").state == "placed"
    assert ledger.settle_not_found(eid, now=t0, settle_window=0).state == "placed"
    outcomes = [(o["attempt"], o["outcome"], o["via"]) for o in ledger.outcomes(eid)]
    assert outcomes == [
        (1, "sent", "intent"),
        (1, "unknown", "response"),
        (1, "unknown", "lookup"),
        (1, "not_placed", "lookup"),
        (2, "sent", "intent"),
        (2, "not_placed", "response"),
        (3, "sent", "intent"),
        (3, "placed", "response"),
    ]


def test_a_refused_resend_does_not_clear_the_doubt_of_an_earlier_attempt(ledger: Ledger) -> None:
    eid = "ML-0000000000D1"
    t0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    ledger.open_intent(eid, "sell", {"GAG": 5}, sell_body(eid, 5), currency="GBP", sent_at=t0)
    ledger.note_unknown(eid, "read timeout")
    later = t0 + timedelta(seconds=10)
    with pytest.raises(LedgerError, match="resolve it first"):
        ledger.open_intent(eid, "sell", {"GAG": 5}, sell_body(eid, 5), currency="GBP", sent_at=later)
    resent = ledger.open_intent(eid, "sell", {"GAG": 5}, sell_body(eid, 5), currency="GBP", sent_at=later, resend=True)
    assert (resent.attempts, resent.doubt_at, resent.inflight_at) == (2, t0, later)
    refused = ledger.settle_refused(eid, "connect failed", via="not_sent")
    assert refused.state == "open" and refused.doubt_since == t0
    assert [o["outcome"] for o in ledger.outcomes(eid)][-1] == "refused"
    assert not any(o["outcome"] == "not_placed" for o in ledger.outcomes(eid))


def test_an_order_found_after_not_placed_is_recorded_late(ledger: Ledger) -> None:
    eid = "ML-0000000000D2"
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    ledger.settle_refused(eid, "not sent", via="not_sent")
    late = ledger.settle_placed(eid, FakeOrder(eid), via="lookup")
    assert late.state == "placed"
    assert [o["outcome"] for o in ledger.outcomes(eid)] == ["sent", "not_placed", "late"]


def test_a_conflict_is_final_and_names_the_other_order(ledger: Ledger) -> None:
    eid = "ML-0000000000D3"
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    settled = ledger.settle_conflict(eid, "the API's order XY is a Buy of GAU 1", FakeOrder(eid, order_code="XY"))
    assert settled.state == "conflict" and "GAU 1" in (settled.error or "")
    with pytest.raises(ExternalIdConflictError):
        ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP", resend=True)
    with pytest.raises(ExternalIdConflictError):
        ledger.settle_placed(eid, FakeOrder(eid))
    assert ledger.outcomes(eid)[-1]["order_code"] == "XY"


def test_the_journaled_body_is_the_bytes_given(ledger: Ledger) -> None:
    eid = "ML-0000000000D4"
    content = b'{"price_token":"abc","external_id":"ML-0000000000D4","items":[{"sku":"GAG","amount":5}]}'
    intent = ledger.open_intent(eid, "sell", {"GAG": 5}, content, currency="GBP")
    assert intent.request_content == content
    assert intent.request_body["items"] == [{"sku": "GAG", "amount": 5}]


def test_settling_an_unknown_intent_is_an_error(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="no intent ML-000000000000"):
        ledger.settle_placed("ML-000000000000", FakeOrder("ML-000000000000"))


def test_quote_and_prices_are_stored_one_row_per_sku(ledger: Ledger) -> None:
    assert ledger.record_prices(quote=FakeQuote()) == 2
    quote_id = ledger.record_quote(FakeQuote())
    raw = sqlite3.connect(ledger.path)
    rows = raw.execute(
        "SELECT source, quote_id, currency, sku, spot_price, buy_price, sell_price FROM prices WHERE quote_id = ?",
        (quote_id,),
    ).fetchall()
    assert rows == [
        ("quote", quote_id, "GBP", "GAU", "61.2345", "62.10", "60.40"),
        ("quote", quote_id, "GBP", "GAG", "0.7712", "0.80", "0.74"),
    ]
    assert raw.execute("SELECT count(*) FROM quotes").fetchone()[0] == 2


def test_in_flight_lock_blocks_resolution_until_released(ledger: Ledger) -> None:
    eid = "ML-00000000000E"
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    with ledger.sending(eid):
        assert ledger.is_sending(eid)
        with pytest.raises(LedgerBusyError), ledger.sending(eid):
            pass
        with pytest.raises(LedgerBusyError, match="being sent right now"):
            ledger.resolve(FakeClient(), eid)  # type: ignore[arg-type]
    assert not ledger.is_sending(eid)


def test_in_flight_lock_is_released_when_its_process_dies(ledger: Ledger) -> None:
    eid = "ML-00000000000F"
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    script = textwrap.dedent(f"""
        import os, sys
        from minted_lab.ledger import Ledger
        ledger = Ledger({str(ledger.path)!r})
        with ledger.sending({eid!r}):
            print("held", flush=True)
            sys.stdin.readline()
            os._exit(9)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "held"
    assert ledger.is_sending(eid)
    child.stdin.write("\n")
    child.stdin.flush()
    assert child.wait(timeout=10) == 9
    assert not ledger.is_sending(eid)


def test_two_processes_racing_for_one_external_id_one_wins(ledger: Ledger) -> None:
    script = textwrap.dedent(f"""
        import sys
        from minted_lab.ledger import Ledger, LedgerError
        ledger = Ledger({str(ledger.path)!r})
        sys.stdin.readline()
        won = 0
        for n in range(40):
            eid = f"ML-{{n:012X}}"
            try:
                ledger.open_intent(eid, "sell", {{"GAG": 1}}, {{"external_id": eid}}, currency="GBP")
                won += 1
            except LedgerError:
                pass
        print(won)
    """)
    children = [
        subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    wins = [int(child.communicate(timeout=60)[0]) for child in children]
    assert sum(wins) == 40
    assert len(ledger.intents()) == 40
    assert all(len(ledger.outcomes(i.external_id)) == 1 for i in ledger.intents())


def test_repr_counts_states_and_never_shows_the_price_token(ledger: Ledger) -> None:
    eid = "ML-000000000010"
    ledger.open_intent(eid, "sell", {"GAG": 250}, sell_body(eid), currency="GBP")
    text = repr(ledger) + repr(ledger.intent(eid))
    assert "open=1 placed=0 not_placed=0" in text
    assert FakeQuote.token not in text
    ledger.close()
    assert "closed" in repr(ledger)
    with pytest.raises(LedgerError, match="closed"):
        ledger.intents()
