"""`minted-lab conformance` against seeded sandboxes, over real HTTP: the default profile conforms, the
documented profile differs exactly where it answers as the documented examples do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from minted_lab.conformance import BASES, CHECKS, STATUSES, check_ids

from .conftest import Run

#: what the documented profile changes (minted_lab/sandbox/profiles.py DOCUMENTED), and the rows that report it
DOCUMENTED_DIFFERS = {
    # 422s with a message only
    "errors.field_map",
    # the documented price sides spot > buy > sell
    "pricefix.sides",
    "product_prices.sides",
    "order.price_vs_spot",
    # Get Order like get_order_response.json: no type, currency_code, order_at; items without sku
    "order.required_keys",
    "order.contract_keys",
    "order.items",
    # status New for status_id 1
    "order.status_name",
    "order.status_pair",
    # card orders (payment_type credit-card, a payment object, payment_cost)
    "order.payment_cash",
    # currency_rate null on GBP orders
    "order.currency_rate",
    # Delivery orders in the history
    "order.type_buy_sell",
}


def test_default_profile_conforms(conformance: Callable[..., Run]) -> None:
    run = conformance("--sandbox")
    assert run.code == 0, run.out
    assert "Traceback" not in run.out + run.err
    assert {r["status"] for r in run.rows} <= {"pass", "skipped"}
    for row in run.rows:
        if row["status"] == "skipped":
            assert row["observed"], row  # every skip says why
    # read-only: the round trip and create customer are the only rows not checked
    assert run.ids("skipped") == {c.id for c in CHECKS if c.trade} | {"create_customer.not_run"}
    assert f"{len(CHECKS)} checks: {len(CHECKS) - len(run.ids('skipped'))} pass" in run.out


def test_default_profile_round_trip(conformance: Callable[..., Run]) -> None:
    run = conformance("--sandbox", "--trade")  # a local sandbox needs no --yes
    assert run.code == 0, run.out
    assert run.ids("skipped") == {"create_customer.not_run"}
    price_sides = {r["id"]: r["observed"] for r in run.rows if r["id"].endswith(".price_side")}
    assert price_sides["buy.price_side"].startswith("at buy_price")
    assert price_sides["sell.price_side"].startswith("at sell_price")
    assert run.status("trade.balance") == "pass"


def test_documented_profile_differs_where_the_examples_do(conformance: Callable[..., Run]) -> None:
    run = conformance("--sandbox-profile", "documented")
    assert run.code == 1
    assert "Traceback" not in run.out + run.err
    assert run.ids("differs") == DOCUMENTED_DIFFERS
    assert run.ids("unreachable") == set()
    assert "sandbox profile documented" in run.out
    for check_id in DOCUMENTED_DIFFERS:  # each listed in full under "Not passing"
        assert f"  {check_id} [differs," in run.out


def test_documented_profile_round_trip_settles_below_spot(conformance: Callable[..., Run]) -> None:
    run = conformance("--sandbox-profile", "documented", "--trade")
    assert run.code == 1
    # the documented sides: a buy still settles at buy_price, which is now below spot
    assert run.status("buy.price_side") == "pass"
    assert run.status("sell.price_side") == "pass"
    assert run.ids("differs") == DOCUMENTED_DIFFERS | {"buy.vs_spot"}


def test_json_rows(conformance: Callable[..., Run]) -> None:
    run = conformance("--sandbox")
    assert [r["id"] for r in run.rows] == check_ids()
    for row in run.rows:
        assert set(row) >= {"id", "endpoint", "basis", "status", "expected", "observed"}
        assert row["basis"] in BASES
        assert row["status"] in STATUSES
        assert isinstance(row["expected"], str) and row["expected"]
    assert len(set(check_ids())) == len(check_ids())


def test_every_endpoint_of_the_table_has_checks() -> None:
    from minted_lab.endpoints import ENDPOINTS

    covered = {c.endpoint for c in CHECKS}
    assert set(ENDPOINTS) <= covered
    # every guess of the endpoint table is checked as inferred somewhere
    for name, row in ENDPOINTS.items():
        if row.guess:
            assert any(c.endpoint == name and c.basis == "inferred" for c in CHECKS), name


def test_unknown_profile_is_exit_2(conformance: Callable[..., Run]) -> None:
    run = conformance("--sandbox-profile", "no-such-profile")
    assert run.code == 2
    assert "no-such-profile" in run.err
    assert run.rows == []


@pytest.mark.parametrize("flag", ["--help"])
def test_help(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    from minted_lab.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["conformance", flag])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for option in ("--sandbox", "--sandbox-profile", "--json", "--record", "--trade", "--yes", "--order-id"):
        assert option in out
