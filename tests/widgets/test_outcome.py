"""One renderer per result: each outcome is data, and its text and its HTML carry the same words;
the preview table is the ticket's own columns and cells."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.widgets import SellForm
from minted_lab.widgets._ticket_text import LOOKS, Outcome, Part, outcome_html, outcome_text

from .conftest import state


class _Text(HTMLParser):
    """Collects what a browser shows of some HTML: its text, entities decoded, and table cells by row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.rows: list[list[str]] = []
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._cell is not None:
            self._cell += data


def shown(markup: str) -> _Text:
    """The text and table rows a browser would show for ``markup``."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return parser


def mark(outcome: Outcome) -> str:
    """The decoration the HTML puts before an outcome's words (not a word of it)."""
    return html.unescape(LOOKS[outcome.kind][2])


def placed(sb: Sandbox, form: SellForm) -> None:
    form.amount.value = "5"
    form.quote_button.click()
    form.confirm.value = True
    form.sell_button.click()


def unknown(sb: Sandbox, form: SellForm) -> None:
    form.amount.value = "5"
    form.quote_button.click()
    form.confirm.value = True
    sb.faults.inject("sell", "drop_before_commit")
    form.sell_button.click()


def not_found_yet(sb: Sandbox, form: SellForm) -> None:
    unknown(sb, form)
    form.resolve_button.click()


def not_placed_after_doubt(sb: Sandbox, form: SellForm) -> None:
    unknown(sb, form)
    sb.clock.advance(form.client.settle_window)
    form.resolve_button.click()


def refused(sb: Sandbox, form: SellForm) -> None:
    form.amount.value = "999999999"
    form.quote_button.click()
    form.confirm.value = True
    form.sell_button.click()


ROUTES: dict[str, tuple[Callable[[Sandbox, SellForm], None], str, str]] = {
    "placed": (placed, "placed", "placed order "),
    "unknown": (unknown, "unknown", "outcome unknown for ML-"),
    "not found yet": (not_found_yet, "unknown", "not found yet; it may still land for 300 s (ML-"),
    "not placed after doubt": (not_placed_after_doubt, "not_placed", "): the API has no order with this external id"),
    "refused": (refused, "not_placed", "): quote again to retry with the same external id"),
}
"""How a user reaches each outcome: the steps, the ticket's state, words the outcome says."""


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_outcome_says_the_same_words_in_text_and_html(sb: Sandbox, form: SellForm, route: str) -> None:
    steps, expected_state, words = ROUTES[route]
    steps(sb, form)
    outcome = form.outcome()
    assert outcome is not None and state(form) == expected_state == outcome.kind
    text = form.result_text()
    assert text == outcome_text(outcome) and words in text
    assert form.result_html.value == form.result_text_html() == outcome_html(outcome)
    assert shown(form.result_html.value).text == mark(outcome) + text
    assert f'class="{LOOKS[outcome.kind][1]}"' in form.result_html.value


def test_a_conflict_says_the_same_words_in_text_and_html(sb: Sandbox, ledger: Ledger) -> None:
    taken = "ML-CCCCCCCCCCCC"
    with sb.client() as elsewhere:
        elsewhere.sell(elsewhere.quote(), {"GAG": 7}, external_id=taken)
    with sb.client(id_factory=lambda: taken) as client:
        form = SellForm(client, ledger)
        try:
            placed(sb, form)
            outcome = form.outcome()
            assert outcome is not None and outcome.kind == "conflict" == state(form)
            assert form.result_text().startswith(f"conflict ({taken}): ")
            assert shown(form.result_html.value).text == form.result_text() == outcome_text(outcome)
            assert "ml-outcome-conflict" in form.result_html.value
        finally:
            form.close()


def test_a_placed_outcome_carries_its_order_code_and_total_as_data_and_marked_in_html(
    sb: Sandbox, form: SellForm
) -> None:
    placed(sb, form)
    (order,) = sb.orders()
    outcome = form.outcome()
    assert outcome is not None and form.result is not None
    assert outcome.order_code == order["order_code"] == form.result.order_code
    assert outcome.total == form.result.total
    assert f'<b class="ml-order-code">{order["order_code"]}</b>' in form.result_html.value
    assert f'<span class="ml-order-total">{order["total"]:.2f} GBP</span>' in form.result_html.value
    assert '<span class="ml-order-status">Pending</span>' in form.result_html.value


def test_before_any_send_there_is_no_outcome_and_nothing_is_said(form: SellForm) -> None:
    assert form.outcome() is None and form.result_text() == "" and form.result_text_html() == ""
    form.amount.value = "5"
    form.quote_button.click()
    assert state(form) == "quoted" and form.outcome() is None and form.result_text() == ""


@pytest.mark.parametrize("kind", list(LOOKS))
def test_the_html_escapes_the_words_it_shares_with_the_text(kind: str) -> None:
    outcome = Outcome(kind, (Part("a <b> & "), Part("C&D", "ml-order-code", "b"), Part(' "e"')))  # type: ignore[arg-type]
    assert outcome_text(outcome) == 'a <b> & C&D "e"'
    markup = outcome_html(outcome)
    assert "<b> &" not in markup and '<b class="ml-order-code">C&amp;D</b>' in markup
    assert shown(markup).text == mark(outcome) + outcome_text(outcome)


@pytest.fixture
def quoted_form(client: MintedClient, ledger: Ledger) -> Iterator[SellForm]:
    """A form with 250 g GAG quoted."""
    form = SellForm(client, ledger)
    form.amount.value = "250"
    form.quote_button.click()
    yield form
    form.close()


def test_the_preview_table_is_the_tickets_columns_and_cells(quoted_form: SellForm) -> None:
    preview = quoted_form.preview_data
    assert preview is not None
    head, *body, foot = shown(quoted_form.preview.value).rows
    assert head == ["metal", *preview.columns(" / g")[1:]]
    ratio = preview.columns().index("spread")
    for row, cells, line in zip(body, preview.cells(), preview.lines, strict=True):
        assert row[0] == "Silver (GAG)"
        assert row[ratio] == cells[ratio].replace("%", " %"), "the form keeps its '-4.35 %'"
        assert row[1:ratio] + row[ratio + 1 :] == list(cells[1:ratio] + cells[ratio + 1 :])
        assert row[-1] == str(line.total)
    assert foot == ["Total", *[""] * (len(head) - 2), f"{preview.total} GBP"]
