"""Each order's JSON text as an answer shows it, written once and reused until something it shows changes.

A 30-order page spent most of its time building each order's dict and writing it as exact-Decimal JSON
(money.dumps). Here each order's text is kept, keyed by everything it is made of, and spliced into the
envelope as a `RawJSON`; the bytes served are those `dumps(view(order, ...))` writes, byte for byte
(a text is written by `money.dumps_record`, which writes the same bytes for such records, faster).

The key is a value, not a version number: it holds the order's status at the time asked
(`Order.status_at`, which moves when the clock passes the settle time), every attribute of the order
(`fixed_status`, `payment`, `delivery`, ... as a fault or a test may set them) with its items, every
attribute of its customer (or None), and the profile. Any change to one of them, made through the book
or by hand, makes the next answer write the order again; nothing has to remember to invalidate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minted_lab.sandbox.model import Customer, Order
from minted_lab.sandbox.money import RawJSON, dumps_record
from minted_lab.sandbox.profiles import Profile
from minted_lab.sandbox.render import View

Key = tuple[Any, ...]


def fingerprint(o: Order, now: datetime, customer: Customer | None, profile: Profile) -> Key:
    """What the text of `o` at `now` is made of: equal fingerprints write equal bytes (items and the
    customer's attributes are copied into it, so changing them in place cannot go unseen)."""
    shown_customer = None if customer is None else tuple(customer.__dict__.values())
    return (o.status_at(now), profile, tuple(o.items), shown_customer, *o.__dict__.values())


class OrderTexts:
    """The JSON text of each order per view (render.looked_up, render.order), by the order's id, with the
    fingerprint it was written for (an id reused by a later order matches only a fingerprint that writes
    the same bytes); callers hold the book's lock, as for any read of the book's records."""

    def __init__(self) -> None:
        self._texts: dict[View, dict[int, tuple[Key, RawJSON]]] = {}

    def text(self, view: View, o: Order, now: datetime, customer: Customer | None, profile: Profile) -> RawJSON:
        """`dumps(view(o, now, customer, profile))` as a RawJSON: the kept text while its fingerprint still
        holds, else written now and kept."""
        key = fingerprint(o, now, customer, profile)
        texts = self._texts.get(view)
        if texts is None:
            texts = self._texts[view] = {}
        kept = texts.get(id(o))
        if kept is not None and kept[0] == key:
            return kept[1]
        written = RawJSON(dumps_record(view(o, now, customer, profile)))
        texts[id(o)] = (key, written)
        return written
