"""Ledger failures are shown next to the buttons, in plain words, and nothing is sent because of them."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger, LedgerDiskFullError
from minted_lab.sandbox import Sandbox
from minted_lab.widgets import SellForm

from .conftest import sent, visible


def reopen_read_only(ledger: Ledger) -> None:
    """Swap the ledger's connection for a read-only one, as on a read-only disk."""
    assert ledger._conn is not None
    ledger._conn.close()
    ledger._conn = sqlite3.connect(
        f"file:{ledger.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )


def shown(form: SellForm) -> str:
    """What the form's slot next to the buttons says (the error text is escaped HTML there)."""
    return str(form.errors["form"].value)


def test_a_read_only_ledger_makes_quote_say_so(sb: Sandbox, form: SellForm, ledger: Ledger) -> None:
    reopen_read_only(ledger)
    form.amount.value = "5"
    form.quote_button.click()
    assert "cannot be written" in form.field_errors["form"] and str(ledger.path) in form.field_errors["form"]
    assert "cannot be written" in shown(form) and "ml-error" in shown(form)
    assert form.preview.value == "" and form.sell_button.disabled
    form.confirm.value = True
    form.sell_button.click()
    assert sent(sb, "sell") == [] and sb.orders() == []


def test_a_ledger_turned_read_only_before_sell_sends_nothing(sb: Sandbox, form: SellForm, ledger: Ledger) -> None:
    form.amount.value = "5"
    form.quote_button.click()
    form.confirm.value = True
    reopen_read_only(ledger)
    form.sell_button.click()
    assert "cannot be written" in form.field_errors["form"] and "nothing was sent" in form.field_errors["form"]
    assert "cannot be written" in shown(form)
    assert [r for r in sb.requests if r.endpoint == "sell"] == [] and sb.orders() == []
    assert form.ticket is not None and form.ticket.state == "quoted" and form.result is None
    assert ledger.intent(form.ticket.external_id) is None


def test_a_default_ledger_folder_that_cannot_be_made_is_reported_by_quote(
    sb: Sandbox, client: MintedClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "home-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("MINTED_LAB_HOME", str(not_a_folder))
    form = SellForm(client)
    try:
        form.amount.value = "5"
        form.quote_button.click()
        assert "cannot be opened" in form.field_errors["form"] and str(not_a_folder) in form.field_errors["form"]
        assert "cannot be opened" in shown(form)
        form.confirm.value = True
        form.sell_button.click()
        assert form.ticket is None
        assert [r for r in sb.requests if r.endpoint in ("sell", "pricefix")] == []
    finally:
        form.close()


def test_send_again_on_a_read_only_ledger_sends_nothing(sb: Sandbox, form: SellForm, ledger: Ledger) -> None:
    form.amount.value = "5"
    form.quote_button.click()
    form.confirm.value = True
    sb.faults.inject("sell", "drop_before_commit")
    form.sell_button.click()
    assert form.ticket is not None and form.ticket.state == "unknown"
    reopen_read_only(ledger)
    form.resend_button.click()
    assert "cannot be written" in form.field_errors["form"] and "nothing was sent" in form.field_errors["form"]
    assert len(sent(sb, "sell")) == 1 and sb.orders() == []
    assert form.ticket.state == "unknown" and visible(form.resend_button)


def test_resolve_on_a_read_only_ledger_says_so_and_stays_unknown(sb: Sandbox, form: SellForm, ledger: Ledger) -> None:
    form.amount.value = "5"
    form.quote_button.click()
    form.confirm.value = True
    sb.faults.inject("sell", "drop_after_commit")
    form.sell_button.click()
    reopen_read_only(ledger)
    form.resolve_button.click()
    assert "cannot be written" in form.field_errors["form"]
    assert form.ticket is not None and form.ticket.state == "unknown" and len(sb.orders()) == 1


def test_an_order_the_ledger_could_not_record_is_shown_placed_with_the_failure(
    sb: Sandbox, form: SellForm, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise LedgerDiskFullError(f"the ledger {ledger.path}: the disk is full while settling")

    form.amount.value = "5"
    form.quote_button.click()
    form.confirm.value = True
    monkeypatch.setattr(ledger, "settle_placed", disk_full)
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        form.sell_button.click()
    (order,) = sb.orders()
    assert form.result is not None and form.result.order_code == order["order_code"]
    assert order["order_code"] in form.result_html.value
    assert "could not record it" in form.field_errors["form"] and "disk is full" in form.field_errors["form"]
    assert "could not record it" in shown(form)
    assert [w for w in escaped if issubclass(w.category, RuntimeWarning)] == [], "shown in the form instead"


def test_an_unexpected_failure_in_a_click_is_shown_not_only_logged(
    sb: Sandbox, form: SellForm, client: MintedClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the quote endpoint exploded")

    monkeypatch.setattr(client, "quote", broken)
    form.amount.value = "5"
    form.quote_button.click()
    assert "unexpected error: RuntimeError: the quote endpoint exploded" in form.field_errors["form"]
    assert "exploded" in shown(form) and sent(sb, "sell") == []
