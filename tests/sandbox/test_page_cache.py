"""The order list and Get Order serve, from their kept texts, exactly the bytes the uncached renderer writes.

The reference (`reference_page`, `reference_dumps`) is the code as it was before the texts were kept:
orders copied and reversed, a fresh `render.listed` dict per order, each page URL urlencoded, the whole
envelope written by the old marking writer. Every served body is compared with it byte for byte, over a
history holding every status, customers and B2B, Delivery and card-paid orders and orders placed through
the API, before and after each way an order or a customer can change.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from minted_lab.sandbox import Sandbox, page_cache, render
from minted_lab.sandbox.catalog import CANCELLED, COMPLETED, PENDING, REFUNDED, STATUS_NAMES
from minted_lab.sandbox.clock import ISTANBUL
from minted_lab.sandbox.envelope import Problems
from minted_lab.sandbox.listing import NewestFirst, OrderQuery, _window, parse_query
from minted_lab.sandbox.model import Address, CardPayment, Customer, Delivery, Order
from minted_lab.sandbox.money import RawJSON, dumps, dumps_record, number_text, strip_zeros
from minted_lab.sandbox.profiles import DOCUMENTED, Profile

from .conftest import Api, make_http

HISTORY = 700
PROFILES = ("default", "documented")
#: the two profiles, and one whose list shows the Order Schema while Get Order keeps the example's keys
MIXED_PROFILES: tuple[str | Profile, ...] = (*PROFILES, replace(DOCUMENTED, name="list-schema", list_like_lookup=False))

# ---- the reference: the page as the code wrote it before texts were kept ----------------------------

_OLD_MARK = "\x00\x01#"
_OLD_MARKED = re.compile(rb'(?:^|(?<=[:,\[]))"\\u0000\\u0001#(-?[0-9.]+)"')
_OLD_ESCAPED = re.compile(rb'(?<=[:,\[{])"\\u0000\\u0000')


def _old_number_text(value: Decimal | int) -> str:
    """number_text as it was: through strip_zeros."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(strip_zeros(value), "f")


def _old_prepare(value: Any) -> Any:
    """money._prepare as it was."""
    if isinstance(value, str):
        return "\x00" + value if value.startswith("\x00") else value
    if isinstance(value, dict):
        return {str(k): _old_prepare(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_old_prepare(v) for v in value]
    if isinstance(value, Decimal):
        return _OLD_MARK + _old_number_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def reference_dumps(value: Any) -> bytes:
    """money.dumps as it was before RawJSON and dumps_record."""
    text = json.dumps(_old_prepare(value), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    raw = _OLD_MARKED.sub(rb"\1", text.encode("ascii"))
    return _OLD_ESCAPED.sub(b'"\\\\u0000', raw) if b"\\u0000\\u0000" in raw else raw


def _reference_rows(orders: list[Order], query: OrderQuery, sb: Sandbox) -> list[Order]:
    """listing.select as it was, for the filters these tests use: a filtered copy, sorted."""
    now = sb.clock.now()
    rows = [
        o
        for o in orders
        if (query.statuses is None or o.status_at(now) in query.statuses)
        and (query.customer_external_id is None or o.customer_external_id == query.customer_external_id)
        and (query.types is None or o.type in query.types)
        and (query.sku is None or o.has_sku(query.sku))
    ]
    if query.sort_by == "created_at":
        return rows[::-1] if query.descending else rows

    def key(o: Order) -> tuple[Any, int]:
        """The sort key, ties by creation sequence."""
        by = {"total": o.total, "type": o.type, "customer_external_id": o.customer_external_id or ""}
        return by[query.sort_by], o.seq

    return sorted(rows, key=key, reverse=query.descending)


def reference_page(sb: Sandbox, params: Mapping[str, str]) -> bytes:
    """The bytes of `GET /partner/orders?<params>` as the uncached code wrote them."""
    query = parse_query(params, Problems(), sb.profile.tx_type("Buy"))
    now, book, path = sb.clock.now(), sb.book, sb.url + "/partner/orders"
    with book.lock:
        rows = _reference_rows(list(book.orders), query, sb)
        per_page, page, total = query.per_page, query.page, len(rows)
        last_page = max(1, -(-total // per_page))
        start = (page - 1) * per_page
        chunk = rows[start : start + per_page]
        others = [(k, v) for k, v in params.items() if k != "page"]

        def url(n: int) -> str:
            return f"{path}?{urlencode(others + [('page', str(n))])}"

        links: list[dict[str, Any]] = [
            {"url": url(page - 1) if page > 1 else None, "label": "&laquo; Previous", "active": False}
        ]
        for element in _window(page, last_page):
            if element is None:
                links.append({"url": None, "label": "...", "active": False})
            else:
                links.append({"url": url(element), "label": str(element), "active": element == page})
        links.append({"url": url(page + 1) if page < last_page else None, "label": "Next &raquo;", "active": False})
        data = {
            "current_page": page,
            "data": [render.listed(o, now, book.customer_of(o), sb.profile) for o in chunk],
            "first_page_url": url(1),
            "from": start + 1 if chunk else None,
            "last_page": last_page,
            "last_page_url": url(last_page),
            "links": links,
            "next_page_url": url(page + 1) if page < last_page else None,
            "path": path,
            "per_page": per_page,
            "prev_page_url": url(page - 1) if page > 1 else None,
            "to": start + len(chunk) if chunk else None,
            "total": total,
        }
    return reference_dumps({"data": data, "success": True, "code": 0, "message": ""})


def reference_lookup(sb: Sandbox, o: Order) -> bytes:
    """The bytes of Get Order for `o` as the uncached code wrote them."""
    with sb.book.lock:
        shown = render.looked_up(o, sb.clock.now(), sb.book.customer_of(o), sb.profile)
    return reference_dumps({"data": shown, "success": True, "code": 0, "message": ""})


# ---- helpers -------------------------------------------------------------------------------------------


def served(http: httpx.Client, params: Mapping[str, str]) -> bytes:
    """The body of one order-list page."""
    response = http.get("/partner/orders", params=dict(params))
    assert response.status_code == 200, response.text
    return response.content


def assert_pages_match(sb: Sandbox, http: httpx.Client, **params: str) -> int:
    """Every page of the list with `params` is the reference's bytes; returns how many pages there were."""
    page = 1
    while True:
        shown = {**params, "page": str(page)}
        body = served(http, shown)
        assert body == reference_page(sb, shown), f"page {page} of {params} differs"
        if b'"next_page_url":null' in body:
            return page
        page += 1


def place(api: Api, side: str, external_id: str, customer: str | None = None) -> str:
    """Place a sell or buy through the API (for `customer`, else B2B); returns its external id."""
    if customer is None:
        response = api.sell("GAG", 3, external_id) if side == "sell" else api.buy("GAU", Decimal("0.25"), external_id)
    else:
        token = api.token(customer_external_id=customer)
        body = {"price_token": token, "customer": {"external_id": customer}}
        response = (
            api.sell("GAG", 2, external_id, **body)
            if side == "sell"
            else api.buy("GAU", Decimal("0.1"), external_id, **body)
        )
    assert response.status_code == 200, response.text
    return external_id


def shown_order(page: bytes, guid: str) -> dict[str, Any]:
    """The order with `guid` in a served page, parsed."""
    return next(o for o in parse_bytes(page)["data"]["data"] if o["guid"] == guid)


def parse_bytes(body: bytes) -> Any:
    """A body parsed with exact Decimals."""
    return json.loads(body, parse_float=Decimal)


def by_external(sb: Sandbox, external_id: str) -> Order:
    """The book's order with `external_id`."""
    found = sb.book.find(external_id)
    assert found is not None
    return found


def a_card() -> CardPayment:
    """A card payment (masked number, fee 0.2)."""
    return CardPayment("T" * 128, "Test Holder", "404809******0001", "01/30", "Visa", "192.0.2.9", Decimal("0.2"))


def a_delivery() -> Delivery:
    """A delivery to an Istanbul address."""
    where = Address("İstanbul", "Kadıköy", "Caferağa", "Moda Cd.", "Moda Cd. No:5", "34710")
    return Delivery(500001, where, "123456789012")


# ---- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=MIXED_PROFILES, ids=lambda p: p if isinstance(p, str) else p.name)
def mixed_sb(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A seeded history holding every status (set by hand where the profile's history has none), Delivery
    and card-paid orders, customers and B2B, and four orders placed through the API."""
    with Sandbox(seed=5, history=HISTORY, profile=request.param) as sandbox:
        with make_http(sandbox) as http:
            api = Api(http)
            place(api, "sell", "PC-S-B2B")
            place(api, "buy", "PC-B-B2B")
            place(api, "sell", "PC-S-C", sandbox.customers()[0])
            place(api, "buy", "PC-B-C", sandbox.customers()[1])
        with sandbox.book.lock:
            history = sandbox.book.orders[:HISTORY]
            for status, o in zip(STATUS_NAMES, history[-40::3], strict=False):
                o.fixed_status = status
            if not any(o.delivery for o in history):
                history[-2].delivery = a_delivery()
            if not any(o.payment for o in history):
                history[-5].payment = a_card()
        yield sandbox


@pytest.fixture
def mixed_http(mixed_sb: Sandbox) -> Iterator[httpx.Client]:
    """A Digest-authenticated client of `mixed_sb`."""
    with make_http(mixed_sb) as client:
        yield client


# ---- the pages -------------------------------------------------------------------------------------------


def test_the_history_holds_every_kind_of_order(mixed_sb: Sandbox) -> None:
    now = mixed_sb.clock.now()
    orders = mixed_sb.book.orders
    assert {o.status_at(now) for o in orders} == set(STATUS_NAMES)
    assert any(o.customer_external_id for o in orders) and any(o.customer_external_id is None for o in orders)
    assert any(o.delivery for o in orders) and any(o.payment for o in orders)
    assert sum(o.price_token is not None for o in orders) == 4


def test_every_page_is_the_uncached_bytes(mixed_sb: Sandbox, mixed_http: httpx.Client) -> None:
    pages = assert_pages_match(mixed_sb, mixed_http, total="30")
    assert pages == -(-len(mixed_sb.book.orders) // 30)
    assert_pages_match(mixed_sb, mixed_http, total="30")  # again, now from the kept texts
    assert_pages_match(mixed_sb, mixed_http, total="30", sortType="asc")
    assert_pages_match(mixed_sb, mixed_http, total="25", sortBy="total", sortType="desc")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"total": "5", "page": "3"},
        {"total": "30", "page": "999"},
        {"status": "1,2,6,7,8,11", "total": "30"},
        {"tx_type": "sell,delivery", "total": "30"},
        {"sortBy": "customer_external_id", "sortType": "asc", "total": "30", "page": "2"},
        {"sortBy": "type", "total": "10"},
        {"sku": "GAU", "status": "5", "total": "30"},
    ],
)
def test_filtered_sorted_and_odd_pages_are_the_uncached_bytes(
    mixed_sb: Sandbox, mixed_http: httpx.Client, params: dict[str, str]
) -> None:
    assert served(mixed_http, params) == reference_page(mixed_sb, params)


def test_a_customers_pages_are_the_uncached_bytes(mixed_sb: Sandbox, mixed_http: httpx.Client) -> None:
    for customer in mixed_sb.customers()[:3]:
        assert_pages_match(mixed_sb, mixed_http, customer_external_id=customer, total="30")


def test_get_order_and_the_alternative_are_the_uncached_bytes(mixed_sb: Sandbox, mixed_http: httpx.Client) -> None:
    now = mixed_sb.clock.now()
    orders = mixed_sb.book.orders
    picks = [o for o in orders if o.price_token] + [o for o in orders if o.delivery or o.payment][:6]
    picks += [next(o for o in orders if o.status_at(now) == status) for status in STATUS_NAMES]
    for o in picks:
        for _ in range(2):  # written, then kept
            assert mixed_http.get(f"/partner/order/{o.external_id}").content == reference_lookup(mixed_sb, o)
            alt = mixed_http.post("/partner/order", json={"guid": o.guid, "order_code": o.order_code})
            assert alt.content == reference_lookup(mixed_sb, o)


# ---- every way an order or a customer changes ---------------------------------------------------------------


@pytest.fixture(params=PROFILES)
def fresh_sb(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A small seeded sandbox of its own, for tests that change it."""
    with Sandbox(seed=9, history=120, profile=request.param) as sandbox:
        yield sandbox


def test_a_status_moving_with_the_clock_changes_the_served_bytes(fresh_sb: Sandbox) -> None:
    with make_http(fresh_sb) as http:
        api = Api(http)
        sold = by_external(fresh_sb, place(api, "sell", "CLK-1", fresh_sb.customers()[0]))
        bought = by_external(fresh_sb, place(api, "buy", "CLK-2"))
        first = served(http, {"total": "30"})
        lookups = {o.guid: http.get(f"/partner/order/{o.guid}").content for o in (sold, bought)}
        assert first == reference_page(fresh_sb, {"total": "30"})
        assert sold.status_at(fresh_sb.clock.now()) == PENDING
        fresh_sb.clock.advance(59)
        assert served(http, {"total": "30"}) == first
        fresh_sb.clock.advance(2)
        assert sold.status_at(fresh_sb.clock.now()) == COMPLETED
        settled = served(http, {"total": "30"})
        assert settled != first and settled == reference_page(fresh_sb, {"total": "30"})
        assert shown_order(settled, sold.guid)["status_name"] == "Completed"
        for o in (sold, bought):
            again = http.get(f"/partner/order/{o.guid}").content
            assert again != lookups[o.guid] and again == reference_lookup(fresh_sb, o)


@pytest.mark.parametrize("status", [REFUNDED, CANCELLED])
def test_a_refund_or_a_cancellation_changes_the_served_bytes(fresh_sb: Sandbox, status: int) -> None:
    """The sandbox has no refund or cancel endpoint or helper: a fault or a test sets `fixed_status` (as the
    seeded history does); a card-paid order also shows the refunded amount."""
    with make_http(fresh_sb) as http:
        newest = fresh_sb.book.orders[-1]
        with fresh_sb.book.lock:
            newest.fixed_status, newest.payment = COMPLETED, a_card()
        before = served(http, {"total": "10"})
        looked = http.get(f"/partner/order/{newest.guid}").content
        with fresh_sb.book.lock:
            newest.fixed_status = status
        after = served(http, {"total": "10"})
        assert after != before and after == reference_page(fresh_sb, {"total": "10"})
        assert shown_order(before, newest.guid)["payment"]["refunded_amount"] == 0
        refunded = shown_order(after, newest.guid)["payment"]["refunded_amount"]
        assert refunded == (newest.total if status == REFUNDED else 0)
        again = http.get(f"/partner/order/{newest.guid}").content
        assert again != looked and again == reference_lookup(fresh_sb, newest)


@pytest.mark.parametrize("status_name", ["Refunded", "Cancelled"])
def test_a_back_office_status_change_changes_the_served_bytes(fresh_sb: Sandbox, status_name: str) -> None:
    """`Sandbox.set_status` (a late refund or cancellation from the back office's side), where it exists."""
    set_status = getattr(fresh_sb, "set_status", None)
    if set_status is None:
        pytest.skip("this Sandbox has no set_status")
    with make_http(fresh_sb) as http:
        placed = by_external(fresh_sb, place(Api(http), "buy", "BO-1", fresh_sb.customers()[2]))
        fresh_sb.clock.advance(61)
        before = served(http, {"total": "10"})
        looked = http.get(f"/partner/order/{placed.order_code}").content
        set_status(placed.order_code, status_name)
        after = served(http, {"total": "10"})
        assert after != before and after == reference_page(fresh_sb, {"total": "10"})
        assert shown_order(after, placed.guid)["status_name"] == status_name
        again = http.get(f"/partner/order/{placed.order_code}").content
        assert again != looked and again == reference_lookup(fresh_sb, placed)


def test_every_other_change_to_an_order_or_customer_changes_the_served_bytes(fresh_sb: Sandbox) -> None:
    """Attributes set by hand, items replaced in place, a customer's details edited, a customer registered
    for an order that named one the book did not know: each shows at once, and equals the reference."""
    book = fresh_sb.book
    params = {"total": "30"}
    newest = book.orders[-1]
    owned = next(o for o in reversed(book.orders[-30:-1]) if o.customer_external_id)
    customer = book.customers[owned.customer_external_id or ""]
    late = Customer(id=book.next_customer_id(), external_id="LATE-1", created_at=fresh_sb.clock.now(), firstname="Late")
    changes: list[tuple[Callable[[], Any], bool]] = [
        (lambda: setattr(newest, "payment", a_card()), True),
        (lambda: setattr(newest, "delivery", a_delivery()), True),
        (lambda: setattr(newest, "fixed_status", 12), True),
        (lambda: newest.items.__setitem__(0, replace(newest.items[0], amount=newest.items[0].amount + 1)), True),
        (lambda: newest.items.append(replace(newest.items[0], sku="GPT")), True),
        (lambda: setattr(newest, "external_id", "RENAMED-1"), True),
        (lambda: setattr(newest, "currency", "TRY" if newest.currency != "TRY" else "USD"), True),
        (lambda: setattr(customer, "email", "new@example.com"), True),
        (lambda: setattr(customer, "middlename", "Ç\x00"), True),
        (lambda: setattr(newest, "customer_external_id", "LATE-1"), False),
        (lambda: book.add_customer(late), True),
        (lambda: setattr(late, "phone", "+900000000000"), True),
    ]
    with make_http(fresh_sb) as http:
        for n, (change, shows) in enumerate(changes):
            before = served(http, params)
            with book.lock:
                change()
            after = served(http, params)
            assert after != before or not shows, f"change {n} did not show"
            assert after == reference_page(fresh_sb, params), f"change {n} differs from the reference"


def test_orders_removed_from_the_book_or_added_to_it_shift_the_pages(fresh_sb: Sandbox) -> None:
    with make_http(fresh_sb) as http:
        assert_pages_match(fresh_sb, http, total="30")
        with fresh_sb.book.lock:
            fresh_sb.book.orders.pop(3)
            fresh_sb.book.orders.pop(-1)
        assert_pages_match(fresh_sb, http, total="30")
        assert_pages_match(fresh_sb, http, total="30", sortType="asc")
        place(Api(http), "sell", "ADD-1")
        assert_pages_match(fresh_sb, http, total="30")


def test_pages_read_while_another_thread_trades_and_edits(fresh_sb: Sandbox) -> None:
    """The book changes (orders placed, statuses set) from another thread while pages are served: every
    answer is whole, and once the changes stop the page is the reference's."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def change() -> None:
        """Sell and set a random order's status, 40 times or until stopped."""
        rng = random.Random(3)
        try:
            with make_http(fresh_sb) as http:
                api, n = Api(http), 0
                while not stop.is_set() and n < 40:
                    place(api, "sell", f"THR-{n}")
                    with fresh_sb.book.lock:
                        rng.choice(fresh_sb.book.orders).fixed_status = rng.choice(list(STATUS_NAMES))
                    n += 1
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=change)
    worker.start()
    try:
        with make_http(fresh_sb) as http:
            for _ in range(30):
                json.loads(served(http, {"total": "30"}))
    finally:
        stop.set()
        worker.join(30)
    assert not failures
    with make_http(fresh_sb) as http:
        assert_pages_match(fresh_sb, http, total="30")


# ---- the writer ---------------------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    "\x00",
    "\x00\x00",
    "\x00x",
    "\x00\x00x",
    "\x00\x01#5",
    "\x00\x01#-1.5",
    "\x00\x02#0",
    "\x00\x00\x02#0",
    '"\x00\x01#5"',
    "Gülbilge Şahin €",
    "\U0001f600 \u2028",
    "a\\u0000b",
    "ends with \x00",
]


def odd_documents() -> list[Any]:
    """Documents with every kind of value and strings that look like the writer's marks."""
    docs: list[Any] = []
    for s in ODD_STRINGS:
        docs.append({"s": s, "list": [s, Decimal("1.50"), s], "n": None, "b": True, "i": -3})
        docs.append([s, {"k": [s, {"deep": s}]}, Decimal("-0.000100")])
    docs.append({"decimals": [Decimal(x) for x in ("10", "0.1", "1E+3", "-0", "4.99999999999999999999999999999")]})
    docs.append({"tuple": (1, "x", Decimal("2.50")), "empty": {}, "nothing": []})
    return docs


def test_dumps_record_writes_the_bytes_dumps_wrote(mixed_sb: Sandbox) -> None:
    now = mixed_sb.clock.now()
    with mixed_sb.book.lock:
        for o in mixed_sb.book.orders:
            customer = mixed_sb.book.customer_of(o)
            for view in (render.looked_up, render.order, render.listed):
                shown = view(o, now, customer, mixed_sb.profile)
                assert dumps_record(shown) == dumps(shown) == reference_dumps(shown)
    for doc in odd_documents():
        assert dumps_record(doc) == dumps(doc) == reference_dumps(doc), doc


def test_raw_json_is_spliced_verbatim() -> None:
    docs = odd_documents()
    for doc in docs:
        for wrapped in ({"data": RawJSON(dumps(doc))}, [RawJSON(dumps(doc)), "\x00\x00x", RawJSON(b"1")]):
            plain = {"data": doc} if isinstance(wrapped, dict) else [doc, "\x00\x00x", 1]
            assert dumps(wrapped) == reference_dumps(plain)
    nested = {
        "first": "\x00\x00y",
        "a": [RawJSON(dumps(d)) for d in docs],
        "b": "\x00\x02#0",
        "c": RawJSON(dumps({"x": "\x00\x00"})),
    }
    plain = {"first": "\x00\x00y", "a": docs, "b": "\x00\x02#0", "c": {"x": "\x00\x00"}}
    assert dumps(nested) == reference_dumps(plain)
    assert dumps(RawJSON(b'{"x":1}')) == b'{"x":1}' == dumps_record(RawJSON(b'{"x":1}'))


def test_number_text_is_the_normalizing_formula() -> None:
    rng = random.Random(11)
    values = [Decimal(x) for x in ("0.10", "-0.5", "1.2300", "1E-30", "1.23E-10", "12.5E-1", "1.55E+1", "0E-8")]
    for _ in range(20_000):
        digits = tuple(int(c) for c in str(rng.randrange(1, 10 ** rng.randint(1, 40))))
        values.append(Decimal((rng.randint(0, 1), digits, rng.randint(-45, 8))))
    assert [number_text(v) for v in values] == [_old_number_text(v) for v in values]


def test_newest_first_reads_the_list_backwards() -> None:
    orders: list[Any] = list(range(23))
    view = NewestFirst(orders)
    backwards = orders[::-1]
    assert len(view) == 23 and list(view) == backwards
    for start in range(-25, 27, 4):
        for stop in (None, -30, -1, 0, 5, 22, 23, 40):
            for step in (None, 1, 2, -1, -3):
                assert view[start:stop:step] == backwards[start:stop:step]
    assert [view[i] for i in range(-23, 23)] == [backwards[i] for i in range(-23, 23)]
    for bad in (23, -24):
        with pytest.raises(IndexError):
            view[bad]
    assert NewestFirst([])[0:30] == []


def test_a_text_is_written_once_while_nothing_changes(fresh_sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts are kept: a page served again writes none, the clock moving writes only those whose status
    moved (one order placed through the API), a new page writes its own."""
    writes: list[Any] = []

    def counted(value: Any) -> bytes:
        """dumps_record, counted."""
        writes.append(value)
        return dumps_record(value)

    monkeypatch.setattr(page_cache, "dumps_record", counted)
    with make_http(fresh_sb) as http:
        place(Api(http), "sell", "ONCE-1")
        served(http, {"total": "30"})
        assert len(writes) == 30
        served(http, {"total": "30"})
        fresh_sb.clock.advance(30)
        served(http, {"total": "30"})
        assert len(writes) == 30
        fresh_sb.clock.advance(31)
        settled = served(http, {"total": "30"})
        assert len(writes) == 31 and shown_order(settled, by_external(fresh_sb, "ONCE-1").guid)["status_id"] == 5
        served(http, {"total": "30", "page": "2"})
        assert len(writes) == 61
        assert settled == reference_page(fresh_sb, {"total": "30"})


@pytest.mark.parametrize("key", ["\x00\x01#5", "\x00\x02#0", "\x00\x00k", "\x00"])
def test_a_key_that_looks_like_a_marker_stays_a_key(key: str) -> None:
    """A client's field name is echoed in a 422's errors map: it must come back as the same key, in valid JSON."""
    import json

    from minted_lab.sandbox.money import dumps

    body = {"errors": {"items.0.amount": ["x"], key: ["unknown field"]}, "n": Decimal("1.50")}
    assert json.loads(dumps(body)) == {"errors": {"items.0.amount": ["x"], key: ["unknown field"]}, "n": 1.5}


@pytest.mark.parametrize("profile", ["default", "documented"])
def test_the_book_holds_orders_in_creation_order_so_a_date_filter_may_bisect(profile: str) -> None:
    """`listing._dated` finds a date range by bisection: that needs the book in creation order."""
    from minted_lab.sandbox.listing import OrderQuery, select

    with Sandbox(seed=5, history=900, profile=profile) as sb, sb.client() as client:
        for _ in range(3):
            client.sell(client.quote("GBP"), {"GAG": 1})
            sb.clock.advance(3600)
        times = [o.created_at for o in sb.book.orders]
        assert times == sorted(times)
        now = sb.clock.now()
        days = sorted({t.astimezone(ISTANBUL).date() for t in times})
        for start, end in ((days[3], days[40]), (days[-1], None), (None, days[0]), (days[10], days[10])):
            query = OrderQuery(start=start, end=end)
            scanned = [
                o
                for o in sb.book.orders
                if (start is None or o.created_at.astimezone(ISTANBUL).date() >= start)
                and (end is None or o.created_at.astimezone(ISTANBUL).date() <= end)
            ]
            assert list(select(sb.book.orders, query, now)) == scanned[::-1]
