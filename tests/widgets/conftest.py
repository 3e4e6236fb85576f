"""Fixtures of the widget tests: a SellForm, and no leaked threads (sandbox, client, ledger: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import RequestRecord, Sandbox
from minted_lab.trading import Ticket
from minted_lab.widgets import PriceBoard, SellForm, TicketForm, live_threads


@pytest.fixture
def form(client: MintedClient, ledger: Ledger) -> Iterator[SellForm]:
    """A SellForm whose countdown refresher must be gone once it is closed."""
    sell_form = SellForm(client, ledger)
    yield sell_form
    sell_form.close()
    assert live_threads() == []


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Every widget thread a test starts is stopped by the end of it."""
    yield
    assert live_threads() == []


def sent(sb: Sandbox, endpoint: str) -> list[RequestRecord]:
    """The requests to one endpoint the sandbox received (Digest challenges left out)."""
    return [r for r in sb.requests if r.endpoint == endpoint and r.status != 401]


# Read through calls, not attributes: a type checker would otherwise carry a value narrowed
# before a click (``state == "quoted"``) over to after it, and call the next check unreachable.


def state(of: TicketForm | Ticket) -> str:
    """The ticket's state as of now (``none`` for a form without a ticket)."""
    ticket = of.ticket if isinstance(of, TicketForm) else of
    return "none" if ticket is None else ticket.state


def order_code(form: TicketForm) -> str | None:
    """The order code of the form's result as of now (None before there is one)."""
    return form.result.order_code if form.result is not None else None


def visible(widget: widgets.DOMWidget) -> bool:
    """Whether the widget is shown now (``set_visible`` hides it with ``display: none``)."""
    return bool(widget.layout.display != "none")


def auto_running(board: PriceBoard) -> bool:
    """Whether the board's auto-refresh thread runs, as of now."""
    return board.auto_running
