"""Against a server that knows only the documented example bodies (404 elsewhere, real Digest), and
one that answers in shapes nobody documented: no traceback, exit 1, the guessed endpoints unreachable,
and no personal value of the examples in the table or in the recorded files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from minted_lab.conformance import STATUSES
from minted_lab.endpoints import ENDPOINTS

from .conftest import Run
from .examples_server import PASSWORD, USERNAME, personal_values

GUESSED = {name for name, row in ENDPOINTS.items() if row.guess}
DOCUMENTED_IDS = ("--order-id", "HYAQA01373", "--customer", "555555")


def test_examples_server(conformance: Callable[..., Run], examples_url: str) -> None:
    run = conformance(*DOCUMENTED_IDS)
    assert run.code == 1
    assert "Traceback" not in run.out + run.err
    assert run.rows and {r["status"] for r in run.rows} <= set(STATUSES)
    by_endpoint = {r["endpoint"] for r in run.rows}
    assert by_endpoint >= GUESSED
    for row in run.rows:
        if row["endpoint"] in GUESSED and not row["id"].startswith("trade."):
            assert row["status"] == "unreachable", row
    # the documented reads are reached and checked
    for check_id in (
        "envelope.pricefix",
        "pricefix.keys",
        "order.by_external_id",
        "order_alt.by_external_id",
        "customer.keys",
        "client.order",
        "auth.digest_challenge",
        "auth.qop",
    ):
        assert run.status(check_id) == "pass", check_id
    # the documented example itself disagrees with the documented Order Schema and default currency
    assert run.status("order.required_keys") == "differs"
    assert run.status("pricefix.currency_default") == "differs"
    assert run.status("pricefix.sides") == "differs"


def test_examples_server_guessed_endpoints_are_unreachable_not_skipped(
    conformance: Callable[..., Run], examples_url: str
) -> None:
    run = conformance()  # no ids given: the order checks skip, the guessed endpoints stay unreachable
    assert run.code == 1
    assert run.status("orders.exactly_once") == "unreachable"
    assert run.status("order.by_guid") == "skipped"
    assert "--order-id" in next(r["observed"] for r in run.rows if r["id"] == "order.by_guid")


def test_record_masks_personal_data(conformance: Callable[..., Run], examples_url: str, tmp_path: Path) -> None:
    record = tmp_path / "record"
    run = conformance(*DOCUMENTED_IDS, "--record", str(record), "--wide")
    assert run.code == 1
    files = sorted(record.iterdir())
    names = {p.name for p in files}
    assert {"index.json", "conformance.json"} <= names
    assert any("order-by-external_id" in n for n in names) and any(n.endswith("-customer.json") for n in names)
    secrets = personal_values() | {PASSWORD, "t85QBvvn1GHeOslKuiJm7CF0M0lpwU26"}
    for value in ("customer@example.com", "+905322808035", "12345677938", "1234567888", "+905071112233"):
        assert value in secrets  # the examples' own email, phones and identity numbers are among them
    texts = {p.name: p.read_text(encoding="utf-8") for p in files}
    texts["stdout"] = run.out + run.err
    for where, text in texts.items():
        for value in secrets:
            assert value not in text, (where, value)
    # masked, not dropped: the shape of each personal value is still there
    customer = next(t for n, t in texts.items() if n.endswith("-customer.json"))
    assert '"email": "xxxxxxxx@xxxxxxx.xxx"' in customer
    assert '"birthdate": "9999-99-99"' in customer
    assert USERNAME not in texts["stdout"]


def test_junk_server_never_tracebacks(conformance: Callable[..., Run], junk_url: str) -> None:
    run = conformance("--order-id", "X1", "--customer", "C1")
    assert run.code == 1
    assert "Traceback" not in run.out + run.err
    assert {r["status"] for r in run.rows} <= set(STATUSES)
    assert run.ids("differs")
    assert run.status("auth.digest_challenge") == "differs"  # no challenge at all
