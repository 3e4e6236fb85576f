"""Names that mean one thing: a spread relative to spot is a ratio under a `*_ratio` name everywhere in
the public API (models, frames, tickets, widgets, plots), and a name shared by two places holds the
same number in both."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from collections.abc import Iterator
from decimal import Decimal

import polars as pl
import pytest

import minted_lab
from minted_lab.catalog import spread_ratio
from minted_lab.frames import items_frame, quotes_frame
from minted_lab.models import QuotePrice

PUBLIC_MODULES = (
    "minted_lab",
    "minted_lab.catalog",
    "minted_lab.frames",
    "minted_lab.plots",
    "minted_lab.widgets",
    "minted_lab.trading",
    "minted_lab.store",
    "minted_lab.models",
    "minted_lab.trading.preview",
    "minted_lab.widgets.price_board",
)
#: unit words for "relative to spot" other than ratio: none may appear in a public name
PERCENT_WORDS = {"pct", "percent", "percentage", "pc", "bps", "permille"}
UNIT_WORDS = PERCENT_WORDS | {"ratio"}


def _members(obj: object) -> Iterator[str]:
    """Public field, property, method and parameter names of a class or function, and schema columns."""
    if isinstance(obj, pl.Schema):
        yield from obj.names()
        return
    if inspect.isclass(obj):
        if dataclasses.is_dataclass(obj):
            yield from (f.name for f in dataclasses.fields(obj))
        for name, member in vars(obj).items():
            if name.startswith("_"):
                continue
            yield name
            if inspect.isfunction(member):
                yield from _parameters(member)
        return
    if inspect.isfunction(obj):
        yield from _parameters(obj)


def _parameters(fn: object) -> Iterator[str]:
    try:
        signature = inspect.signature(fn)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return
    yield from (p for p in signature.parameters if p not in ("self", "cls") and not p.startswith("_"))


def public_names() -> dict[str, set[str]]:
    """Every public name, with where it was found."""
    found: dict[str, set[str]] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            found.setdefault(name, set()).add(module_name)
            for member in _members(obj):
                found.setdefault(member, set()).add(f"{module_name}.{name}")
    from minted_lab.trading.preview import preview_schema

    for column in preview_schema().names():
        found.setdefault(column, set()).add("Preview.frame")
    return found


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"_+", name.lower()) if w]


def test_public_names_are_collected() -> None:
    names = public_names()
    # the walk reaches models, frames, tickets, widgets and plots, or the checks below prove nothing
    for expected in ("buy_spread_ratio", "spread_ratio", "spread_cost_ratio", "relative", "seconds_left"):
        assert expected in names, expected


def test_no_public_name_carries_a_percent_unit() -> None:
    offenders = {n: sorted(w) for n, w in public_names().items() if PERCENT_WORDS & set(_words(n))}
    assert not offenders, f"a relative spread is a ratio under a *_ratio name: {offenders}"


def test_no_two_public_names_differ_only_in_unit() -> None:
    stems: dict[tuple[str, ...], set[str]] = {}
    for name in public_names():
        words = _words(name)
        if UNIT_WORDS & set(words):
            stems.setdefault(tuple(w for w in words if w not in UNIT_WORDS), set()).add(name)
    clashes = {stem: names for stem, names in stems.items() if len(names) > 1}
    assert not clashes, clashes


QUOTE = {
    "sku": "GAU",
    "product_id": 1,
    "currency_id": 1,
    "spot_price": Decimal("98.98"),
    "buy_price": Decimal("100.98"),
    "sell_price": Decimal("97.31"),
    "buy_amount": None,
}


def test_a_quote_price_and_the_quotes_frame_agree_on_the_ratio() -> None:
    price = QuotePrice.from_api(QUOTE)
    answer = {"price_token": "t", "expire_ttl": 60, "prices": [QUOTE]}
    row = quotes_frame(answer).row(0, named=True)
    assert price.buy_spread_ratio == pytest.approx(0.0202061, rel=1e-5)
    assert price.buy_spread_ratio == pytest.approx(row["buy_spread_ratio"], rel=1e-12)
    assert price.sell_spread_ratio == pytest.approx(row["sell_spread_ratio"], rel=1e-12)
    assert price.sell_spread_ratio == spread_ratio(Decimal("97.31"), Decimal("98.98"))


def test_a_preview_line_and_the_items_frame_agree_on_the_ratio() -> None:
    from minted_lab.trading.preview import PreviewLine

    line = PreviewLine("GAU", Decimal("97.31"), Decimal("98.98"), Decimal("2"), Decimal("194.62"))
    order = {
        "guid": "G",
        "order_code": "C",
        "external_id": "E",
        "type": "Sell",
        "price": Decimal("194.62"),
        "tax": 0,
        "total": Decimal("194.62"),
        "currency_code": "GBP",
        "currency_rate": 1,
        "status_id": 5,
        "status_name": "Completed",
        "order_at": "02-11-2026 10:00",
        "customer": None,
        "items": [
            {
                "sku": "GAU",
                "product_id": 1,
                "spot_price": Decimal("98.98"),
                "price": Decimal("97.31"),
                "tax_rate": 0,
                "tax": 0,
                "amount": 2,
                "total": Decimal("194.62"),
            }
        ],
    }
    frame = items_frame(order)
    assert line.spread_ratio == pytest.approx(frame["spread_ratio"][0], rel=1e-12)
    assert line.spread_ratio < 0


def test_the_root_package_exports_are_walked() -> None:
    assert "QuotePrice" in minted_lab.__all__
