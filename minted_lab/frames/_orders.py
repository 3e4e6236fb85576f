"""Orders and their items: page bytes (or models, encoded to the same bytes) to polars, in bulk.

The fast path decodes whole batches of documents at once (see `minted_lab.frames`). What the
documented shapes leave out is derived by the rules of `minted_lab._parse` that the models follow
too: `type` from `tx_type` (`ORDER_TYPE_BY_TX_TYPE`), an item's `sku` from its `product_id`
(`catalog.SKU_BY_PRODUCT_ID`); `customer: []` is no customer, a date alone is its midnight. A field
still null after that (`REPORTED_ORDER_FIELDS`, items' `sku`) is listed in `OrderFrames.gaps` and
warned about (`MissingFieldsWarning`), never silent.

A batch the fast path cannot read goes through the careful path: document by document, then order by
order and field by field, so the error names the document, the order (`guid`, `order_code`,
`external_id`) and the field, and carries the document's bytes (`ParseError.body`). With
`strict=False` the orders that cannot be read are set aside instead (`OrderFrames.rejected`, with the
reason and the order's JSON) and a `RejectedOrdersWarning` says how many and why.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import polars as pl

from minted_lab._parse import (
    MISSING,
    NO_CUSTOMER_SHAPES,
    ORDER_IDS,
    ORDER_TYPE_BY_TX_TYPE,
    REPORTED_ORDER_FIELDS,
    ParseError,
    dumps,
    expected,
    is_no_customer,
    item_sku,
    loads,
    order_ids,
    order_type,
    to_decimal,
    unreadable_datetime,
)
from minted_lab.catalog import SKU_BY_PRODUCT_ID
from minted_lab.frames import _source
from minted_lab.frames._schemas import (
    GAPS_SCHEMA,
    ITEM_NUMBERS,
    ITEMS_SCHEMA,
    ORDER_NUMBERS,
    ORDERS_SCHEMA,
    REJECTED_SCHEMA,
    TEXT_SHAPES,
    TIME,
    TYPED_SHAPES,
    OrderShapes,
    checked,
    guard_bound,
)
from minted_lab.frames._spread import spread_expr, spread_ratio_expr
from minted_lab.frames._tools import parse_times, read_times

ORDER_FIELDS = list(TEXT_SHAPES.order.to_schema())


class _Pair(NamedTuple):
    orders: pl.DataFrame
    items: pl.DataFrame


class OrderFrames(_Pair):
    """The orders frame and the items frame of the same input, parsed once: ``orders, items = order_frames(x)``.

    Two more frames ride along as attributes (the pair still unpacks as two):

    - ``rejected`` (`REJECTED_SCHEMA`): what ``strict=False`` set aside, one row per order (or whole
      document) with the field, the reason and the order's JSON; empty when everything was read.
    - ``gaps`` (`GAPS_SCHEMA`): the fields the API left out that could not be derived (null in the
      frames), one row per order and field, with why.
    """

    def __new__(
        cls,
        orders: pl.DataFrame,
        items: pl.DataFrame,
        rejected: pl.DataFrame | None = None,
        gaps: pl.DataFrame | None = None,
    ) -> OrderFrames:
        self = super().__new__(cls, orders, items)
        if rejected is not None:
            self.__dict__["rejected"] = rejected
        if gaps is not None:
            self.__dict__["gaps"] = gaps
        return self

    @property
    def rejected(self) -> pl.DataFrame:
        """The orders (or whole documents) set aside by ``strict=False``, with why (`REJECTED_SCHEMA`)."""
        frame = self.__dict__.get("rejected")
        return frame if frame is not None else pl.DataFrame(schema=REJECTED_SCHEMA)

    @property
    def gaps(self) -> pl.DataFrame:
        """The fields the API left out that could not be derived, with why (`GAPS_SCHEMA`)."""
        frame = self.__dict__.get("gaps")
        return frame if frame is not None else pl.DataFrame(schema=GAPS_SCHEMA)


class OrderDataWarning(UserWarning):
    """The frames hold less than the input said: a field left null, or orders set aside."""


class MissingFieldsWarning(OrderDataWarning):
    """Fields the API left out that could not be derived are null in the frames; ``gaps`` lists them."""

    def __init__(self, message: str, gaps: pl.DataFrame) -> None:
        super().__init__(message)
        self.gaps = gaps


class RejectedOrdersWarning(OrderDataWarning):
    """``strict=False`` set orders aside: their totals are not in the frames. ``rejected`` has each, with why."""

    def __init__(self, message: str, rejected: pl.DataFrame) -> None:
        super().__init__(message)
        self.rejected = rejected
        self.count = rejected.height


def _problem(doc: str, index: int) -> str:
    head = doc[:200]
    return f"document {index} holds no orders (not a page, sell/buy answer or order): {head!r}"


def _decode(text: pl.Series, dtype: pl.Struct) -> pl.Series:
    try:
        return text.str.json_decode(dtype)
    except pl.exceptions.ComputeError as e:
        raise ValueError(f"these documents are not order pages, sell/buy answers or orders: {e}") from e


def _is_order(order: pl.Series) -> pl.Series:
    field = order.struct.field
    return (field("guid").is_not_null() | field("order_code").is_not_null()) & field("items").is_not_null()


DECODE_BYTES = 256 << 10
"""Documents per decoder call, in bytes: polars builds every document's tree before reading the
columns out, so trees of ~256 KB of JSON stay in cache where a whole batch's would not (measured:
~25% less decode time than 2 MB per call)."""


def _pieces(text: pl.Series, sizes: list[int]) -> list[pl.Series]:
    """`text` (documents of `sizes` bytes) cut into consecutive slices of about `DECODE_BYTES` each."""
    pieces = []
    start = size = 0
    for i, n in enumerate(sizes, 1):
        size += n
        if size >= DECODE_BYTES:
            pieces.append(text.slice(start, i - start))
            start, size = i, 0
    if start < len(sizes) or not pieces:
        pieces.append(text.slice(start))
    return pieces


def _order_lists(text: pl.Series, sizes: list[int], offset: int, shapes: OrderShapes) -> pl.Series:
    """One List(Order) per document: order list pages first (the fast path), other shapes after."""
    pages = pl.concat([_decode(piece, shapes.page) for piece in _pieces(text, sizes)], rechunk=False)
    lists = pages.struct.field("data").struct.field("data")
    missing = lists.is_null()
    if not missing.any():
        return lists
    where = missing.arg_true()
    rest = text.gather(where)
    result = _decode(rest, shapes.result).struct.unnest()
    found = pl.select(pl.coalesce(result["data"].struct.field("orders"), result["orders"])).to_series()
    parts = [
        pl.DataFrame({"at": pl.int_range(text.len(), eager=True), "o": lists}),
        pl.DataFrame({"at": where, "o": found}),
    ]
    lone_at = found.is_null().arg_true()
    if lone_at.len():
        lone = _decode(rest.gather(lone_at), shapes.single).struct.unnest()
        enveloped = lone["data"]
        bare = lone.select(pl.struct(ORDER_FIELDS)).to_series()
        is_order = _is_order(enveloped)
        orders = is_order | _is_order(bare)
        if not orders.all():
            first = int((~orders).arg_true()[0])
            i = int(where[int(lone_at[first])])
            if lone["success"][first] is False:
                raise ValueError(
                    f"document {offset + i} is an error answer (code {lone['code'][first]}): {lone['message'][first]}"
                )
            raise ValueError(_problem(text[i], offset + i))
        one = pl.DataFrame({"is_order": is_order, "enveloped": enveloped, "bare": bare}).select(
            pl.concat_list(pl.when("is_order").then("enveloped").otherwise("bare")).alias("o")
        )
        parts.append(one.with_columns(at=where.gather(lone_at)))
    merged = (
        pl.concat([p.select(pl.col("at").cast(pl.Int64), "o") for p in parts])
        .drop_nulls("o")
        .sort("at", maintain_order=True)
    )
    return merged["o"]


def _exact(numbers: dict[str, pl.DataType]) -> list[pl.Expr]:
    """Per typed number column: is every value under its bound with a zero guard digit (decode was exact)?"""
    checks = []
    for name, dtype in numbers.items():
        if isinstance(dtype, pl.Decimal):
            col, bound = pl.col(name), guard_bound(dtype)
            fits = (col < bound) & (col > -bound) & (col == col.cast(dtype))
            checks.append(fits.all(ignore_nulls=True))
    return checks


def _typed_is_exact(wide: pl.DataFrame) -> bool:
    if not wide.height:
        return True
    items = wide.select(pl.col("items").explode().struct.unnest())
    return bool(
        wide.select(pl.all_horizontal(_exact(ORDER_NUMBERS))).item()
        and items.select(pl.all_horizontal(_exact(ITEM_NUMBERS))).item()
    )


def _to_columns(numbers: dict[str, pl.DataType]) -> list[pl.Expr]:
    """Number fields cast to their column types: exact from text, the guard digit dropped from typed."""
    return [pl.col(k).cast(v) for k, v in numbers.items()]


EMPTY_CUSTOMER = r'"customer"\s*:\s*\[\s*\]'
"""PHP's empty array for "no customer" (`customer: []`), read as null (`_parse.is_no_customer`)."""


def _text(docs: list[bytes]) -> pl.Series:
    return pl.Series("doc", docs, dtype=pl.Binary).cast(pl.String)


def _no_empty_customers(text: pl.Series) -> pl.Series:
    return text.str.replace_all(EMPTY_CUSTOMER, '"customer":null')


def _decoded(text: pl.Series, sizes: list[int], offset: int) -> pl.DataFrame:
    """Decodes with numbers typed (fast); if that fails or is not provably exact, decodes the batch
    again with numbers as text, which is exact for anything polars can read."""
    wide: pl.DataFrame | None
    try:
        wide = _flat(text, sizes, offset, TYPED_SHAPES)
    except ValueError:
        wide = None
    if wide is None or not _typed_is_exact(wide):
        wide = _flat(text, sizes, offset, TEXT_SHAPES)
    return wide


def _wide(docs: list[bytes], offset: int) -> pl.DataFrame:
    """One row per order with every field the frames need, numbers in their column types, times parsed.

    Raises (ValueError, or a polars error on a cast) on anything it cannot read: `_careful` then
    finds what, and where.
    """
    text = _text(docs)
    sizes = [len(doc) for doc in docs]
    try:
        wide = _decoded(text, sizes, offset)
    except ValueError:
        if not text.str.contains(EMPTY_CUSTOMER).any():
            raise
        wide = _decoded(_no_empty_customers(text), sizes, offset)
    return _derived(wide.with_columns(*_to_columns(ORDER_NUMBERS), parse_times(wide["order_at"], "order_at")))


def _derived(wide: pl.DataFrame) -> pl.DataFrame:
    """`type` from `tx_type` where the order sends none (`_parse.order_type`): a no-op on the schema's shape."""
    if not wide["type"].null_count():
        return wide
    tx_type = pl.col("tx_type").str.strip_chars().str.to_lowercase()
    known = tx_type.replace_strict(ORDER_TYPE_BY_TX_TYPE, default=None, return_dtype=pl.String)
    return wide.with_columns(pl.coalesce("type", known).alias("type"))


def _skus(items: pl.DataFrame) -> pl.DataFrame:
    """`sku` from `product_id` where the item names none (`_parse.item_sku`): a no-op on the schema's shape."""
    if not items["sku"].null_count():
        return items
    known = pl.col("product_id").replace_strict(SKU_BY_PRODUCT_ID, default=None, return_dtype=pl.String)
    return items.with_columns(pl.coalesce("sku", known).alias("sku"))


def _flat(text: pl.Series, sizes: list[int], offset: int, shapes: OrderShapes) -> pl.DataFrame:
    return pl.DataFrame(_order_lists(text, sizes, offset, shapes).alias("o")).explode("o").unnest("o")


def _empty_wide() -> pl.DataFrame:
    wide = pl.DataFrame(schema=TEXT_SHAPES.order.to_schema())
    return wide.with_columns(*_to_columns(ORDER_NUMBERS), pl.col("order_at").cast(TIME))


# ------------------------------------------------------------------------------ the careful path


class _Rejection(NamedTuple):
    """One row of `REJECTED_SCHEMA`."""

    document: int
    position: int | None
    guid: str | None
    order_code: str | None
    external_id: str | None
    field: str | None
    reason: str
    content: str


def _orders_in(obj: Any) -> list[Any] | None:
    """The orders of one parsed document, found as `_order_lists` finds them; None when it holds none."""
    if not isinstance(obj, Mapping):
        return None
    data = obj.get("data")
    if isinstance(data, Mapping):
        for key in ("data", "orders"):
            if isinstance(data.get(key), list):
                return list(data[key])
    if isinstance(obj.get("orders"), list):
        return list(obj["orders"])
    for candidate in (data, obj):
        if _is_one_order(candidate):
            return [candidate]
    return None


def _is_one_order(value: Any) -> bool:
    """`_is_order` of one parsed value: an object with a guid or an order code, and items."""
    if not isinstance(value, Mapping) or value.get("items") is None:
        return False
    return value.get("guid") is not None or value.get("order_code") is not None


def _fits(value: Any, dtype: Any) -> bool:
    """Whether polars reads `value` as `dtype` (numbers as text, as `TEXT_SHAPES` reads them)."""
    doc = dumps({"v": value}, decimals="text")
    try:
        pl.Series([doc.decode()]).str.json_decode(pl.Struct({"v": dtype}))
    except pl.exceptions.PolarsError:
        return False
    return True


def _shape_name(key: str, dtype: Any) -> str:
    if key == "customer":
        return NO_CUSTOMER_SHAPES
    if isinstance(dtype, pl.Struct):
        return "an object"
    if isinstance(dtype, pl.List):
        return "a list"
    return "text or a number"


def _shape_problem(order: Any) -> tuple[str | None, str] | None:
    """The first field of one order that the decoder cannot read, and why; None when it reads whole."""
    if not isinstance(order, Mapping):
        return None, expected("an order object", order)
    order = _without_empty_customer(order)
    shape = TEXT_SHAPES.order
    if _fits(order, shape):
        return None
    item_shape = shape.to_schema()["items"]
    assert isinstance(item_shape, pl.List)
    for key, dtype in shape.to_schema().items():
        value = order.get(key)
        if value is None or _fits(value, dtype):
            continue
        if key == "items" and isinstance(value, list):
            for j, item in enumerate(value):
                if not isinstance(item, Mapping):
                    return f"items[{j}]", expected("an object", item)
                for name, kind in item_shape.inner.to_schema().items():  # type: ignore[union-attr]
                    if item.get(name) is not None and not _fits(item[name], kind):
                        return f"items[{j}].{name}", expected(_shape_name(name, kind), item[name])
        return key, expected(_shape_name(key, dtype), value)
    return None, "unreadable as an order"


def _without_empty_customer(order: Mapping[str, Any]) -> Mapping[str, Any]:
    customer = order.get("customer")
    return {**order, "customer": None} if customer is not None and is_no_customer(customer) else order


def _rejection(document: int, position: int | None, order: Any, field: str | None, reason: str) -> _Rejection:
    ids: Mapping[str, str | None] = order_ids(order) if isinstance(order, Mapping) else {}
    guid, code, external_id = (ids.get(k) for k in ORDER_IDS)
    return _Rejection(document, position, guid, code, external_id, field, reason, _json(order))


def _json(value: Any) -> str:
    try:
        return dumps(value).decode()
    except (TypeError, ValueError):
        return dumps(value, decimals="text").decode()


def _salvage(doc: bytes, document: int, problem: ValueError) -> tuple[pl.Series, list[int], list[_Rejection]] | str:
    """A document the decoder cannot read whole, order by order: (its readable orders as one
    List(order), their positions, the others set aside), or why the whole document is set aside."""
    try:
        orders = _orders_in(loads(doc))
    except ValueError as e:
        return f"document {document} is not JSON ({e}): {_doc_text(doc)[:200]!r}"
    if orders is None:
        words = str(problem).split("\n")[0]
        return words if words.startswith("document ") else f"document {document}: {words}"
    kept: list[str] = []
    positions: list[int] = []
    rejected: list[_Rejection] = []
    for position, order in enumerate(orders):
        found = _shape_problem(order)
        if found is None:
            kept.append(dumps(_without_empty_customer(order), decimals="text").decode())
            positions.append(position)
        else:
            rejected.append(_rejection(document, position, order, *found))
    decoded = pl.Series(kept, dtype=pl.String).str.json_decode(TEXT_SHAPES.order)
    return decoded.implode(), positions, rejected


def _careful(docs: list[bytes], offset: int) -> tuple[pl.DataFrame, list[_Rejection]]:
    """`_wide` of a batch the fast path could not read, and what in it cannot be read, one row each.

    Documents are decoded one at a time (a document that is not JSON, an error answer or one holding
    no orders is set aside whole); a document that does not decode whole is read order by order and
    field by field; then every order's numbers and times are checked at once. Numbers are read as
    text (exact). The rejections come in document order.
    """
    text = _no_empty_customers(_text(docs))
    lists: list[pl.Series] = []
    documents: list[int] = []
    positions: list[list[int]] = []
    rejected: list[_Rejection] = []
    for i, doc in enumerate(docs):
        try:
            one = _order_lists(text.slice(i, 1), [len(doc)], offset + i, TEXT_SHAPES)
            lists.append(one)
            positions.append(list(range(int(one.list.len()[0] or 0))))
        except ValueError as e:
            salvaged = _salvage(doc, offset + i, e)
            if isinstance(salvaged, str):
                rejected.append(_Rejection(offset + i, None, None, None, None, None, salvaged, _doc_text(doc)))
                continue
            found, kept, bad = salvaged
            lists.append(found)
            positions.append(kept)
            rejected.extend(bad)
        documents.append(i)
    if not lists:
        return _empty_wide(), rejected
    frame = pl.DataFrame(
        {
            "_doc": pl.Series(documents, dtype=pl.Int64),
            "_pos": pl.Series(positions, dtype=pl.List(pl.Int64)),
            "o": pl.concat(lists),
        }
    )
    wide = frame.explode("_pos", "o").unnest("o").with_row_index("_row")
    problems = _cell_problems(wide)
    if problems:
        parsed: dict[int, list[Any] | None] = {}
        for row, (field, reason) in sorted(problems.items()):
            i, position = wide["_doc"][row], wide["_pos"][row]
            if i not in parsed:
                try:
                    parsed[i] = _orders_in(loads(docs[i]))
                except ValueError:  # JSON polars reads and we would not (a number of a thousand digits)
                    parsed[i] = None
            orders = parsed[i] or []
            order = orders[position] if position < len(orders) else wide.row(row, named=True)
            rejected.append(_rejection(offset + i, position, order, field, reason))
        wide = wide.filter(~pl.col("_row").is_in(list(problems)))
    rejected.sort(key=lambda r: (r.document, -1 if r.position is None else r.position))
    wide = wide.with_columns(*_to_columns(ORDER_NUMBERS), read_times(wide["order_at"]))
    return _derived(wide), rejected


def _doc_text(doc: bytes) -> str:
    return doc.decode("utf-8", "replace")


def _cell_problems(wide: pl.DataFrame) -> dict[int, tuple[str, str]]:
    """``{row: (field, reason)}``, the first value of each order that cannot be read: a number that is
    not one (orders', then items'), or a time in none of the API's formats."""
    problems: dict[int, tuple[str, str]] = {}

    def note(rows: pl.DataFrame, field: str | None, dtype: pl.DataType | None, what: str) -> None:
        for row, *rest in rows.iter_rows():
            value = rest[-1]
            name = field if field is not None else f"items[{rest[0]}].{what}"
            problems.setdefault(row, (name, unreadable_datetime(value) if dtype is None else _number(value, dtype)))

    def unreadable(col: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(col).is_not_null() & pl.col(col).cast(dtype, strict=False).is_null()

    for name, dtype in ORDER_NUMBERS.items():
        note(wide.filter(unreadable(name, dtype)).select("_row", name), name, dtype, name)
    times = read_times(wide["order_at"])
    bad_times = wide.filter(times.is_null() & wide["order_at"].is_not_null())
    note(bad_times.select("_row", "order_at"), "order_at", None, "order_at")
    items = (
        wide.select("_row", "items", pl.int_ranges(pl.col("items").list.len().fill_null(0)).alias("line"))
        .explode("line", "items", keep_nulls=False)
        .unnest("items")
    )
    for name, dtype in ITEM_NUMBERS.items():
        note(items.filter(unreadable(name, dtype)).select("_row", "line", name), None, dtype, name)
    return problems


def _number(text: str, dtype: pl.DataType) -> str:
    """Why a number field's text does not cast to its column type (not a number, not whole, too big)."""
    try:
        value = to_decimal(text)
    except ValueError:
        return expected("a number", text)
    if value is not None and isinstance(dtype, pl.Int64) and value != value.to_integral_value():
        return expected("a whole number", text)
    fits = f"decimal[{dtype.precision},{dtype.scale}]" if isinstance(dtype, pl.Decimal) else "a 64-bit integer"
    return expected(f"a number that fits {fits}", text)


def _error(rejection: _Rejection, docs: list[bytes], offset: int) -> ParseError:
    """What ``strict=True`` raises for the first thing that could not be read: named, with the document's bytes."""
    body = docs[rejection.document - offset]
    if rejection.position is None:
        return ParseError(rejection.reason, document=rejection.document, body=body)
    ids = dict(zip(ORDER_IDS, (rejection.guid, rejection.order_code, rejection.external_id), strict=True))
    return ParseError(
        rejection.reason,
        field=rejection.field,
        what=f"order {rejection.position}",
        ids=ids,
        document=rejection.document,
        body=body,
    )


# ------------------------------------------------------------------------------ gaps


def _gaps(wide: pl.DataFrame, items: pl.DataFrame | None) -> pl.DataFrame | None:
    """`GAPS_SCHEMA` rows for the reported fields still null (reasons from `_parse`), order by order and in
    `Order.gaps`' order; None when there are none, which costs a few null counts on the schema's shape."""
    counts = wide.select(pl.col(f).null_count() for f in REPORTED_ORDER_FIELDS).row(0)
    missing_skus = items is not None and items["sku"].null_count() > 0
    if not any(counts) and not missing_skus:
        return None
    parts = []
    wide = wide.with_row_index("_at")
    ids = ["_at", *ORDER_IDS]
    for name, count in zip(REPORTED_ORDER_FIELDS, counts, strict=True):
        if not count:
            continue
        rows = wide.filter(pl.col(name).is_null())
        if name == "type":
            values = rows["tx_type"].unique().to_list()
            why = {v: order_type(None, v)[1] for v in values if v is not None}
            reason = pl.col("tx_type").replace_strict(why, default=None, return_dtype=pl.String)
            reason = reason.fill_null(pl.lit(order_type(None, None)[1]))
        else:
            reason = pl.lit(MISSING)
        parts.append(rows.select(*ids, pl.lit(name).alias("field"), reason.alias("reason")))
    if missing_skus:
        lines = (
            wide.select(*ids, "items", pl.int_ranges(pl.col("items").list.len().fill_null(0)).alias("line"))
            .explode("line", "items", keep_nulls=False)
            .with_columns(
                pl.col("items").struct.field("sku"),
                pl.col("items").struct.field("product_id").cast(pl.Int64, strict=False),
            )
            .filter(pl.col("sku").is_null())
        )
        known = pl.col("product_id").replace_strict(SKU_BY_PRODUCT_ID, default=None, return_dtype=pl.String)
        lines = lines.filter(known.is_null())
        why = {v: item_sku(None, v)[1] for v in lines["product_id"].unique().to_list() if v is not None}
        reason = pl.col("product_id").replace_strict(why, default=None, return_dtype=pl.String)
        parts.append(
            lines.select(
                *ids,
                pl.format("items[{}].sku", "line").alias("field"),
                reason.fill_null(pl.lit(item_sku(None, None)[1])).alias("reason"),
            )
        )
    if not parts:
        return None
    return pl.concat(parts).sort("_at", maintain_order=True).drop("_at")


# ------------------------------------------------------------------------------ batches


DECODE_THREADS = 2
"""Batches converted at once: polars releases the GIL while decoding, so two cores share the work."""


class _Part(NamedTuple):
    frames: tuple[pl.DataFrame | None, ...]
    gaps: pl.DataFrame | None
    rejected: list[_Rejection]


def _collect(wide: pl.DataFrame, want: tuple[bool, bool]) -> tuple[pl.DataFrame | None, ...]:
    lazy = wide.lazy()
    plans = [plan(lazy) for plan, wanted in zip((_orders, _items), want, strict=True) if wanted]
    done = iter(pl.collect_all(plans))
    orders, items = (next(done) if wanted else None for wanted in want)
    return orders, None if items is None else _skus(items)


def _convert(docs: list[bytes], offset: int, want: tuple[bool, bool], strict: bool) -> _Part:
    """One batch: the fast path, or, when it cannot read the batch, the careful one (see the module)."""
    rejected: list[_Rejection] = []
    try:
        wide = _wide(docs, offset)
        out = _collect(wide, want)
    except (ValueError, pl.exceptions.PolarsError):
        wide, rejected = _careful(docs, offset)
        if strict and rejected:
            raise _error(rejected[0], docs, offset) from None
        out = _collect(wide, want)
    return _Part(out, _gaps(wide, out[1]), rejected)


def _read(x: object, want: tuple[bool, bool], strict: bool = True) -> tuple[Any, ...]:
    """The orders and/or items frames of `x`, built batch by batch and concatenated in input order,
    then the gaps and the rejected rows (frames, or None when there are none).

    Each batch of ~`BATCH_BYTES` is decoded and converted to its final frames in a worker thread
    (`DECODE_THREADS` at once), so only that many batches' raw fields are alive at a time and a
    generator of pages streams.
    """
    parts: list[_Part] = []
    pending: deque[Future[_Part]] = deque()
    offset = 0
    with ThreadPoolExecutor(max_workers=DECODE_THREADS, thread_name_prefix="minted-frames") as pool:
        for batch in _source.batches(x):
            pending.append(pool.submit(_convert, batch, offset, want, strict))
            offset += len(batch)
            if len(pending) >= DECODE_THREADS:
                parts.append(pending.popleft().result())
        parts.extend(f.result() for f in pending)
    if not parts:
        parts.append(_Part(_convert_empty(want), None, []))
    out: list[Any] = []
    for k, wanted in enumerate(want):
        frames = [frame for p in parts if (frame := p.frames[k]) is not None]
        out.append(None if not wanted else pl.concat(frames) if len(frames) > 1 else frames[0])
    gaps = [p.gaps for p in parts if p.gaps is not None]
    rejected = [r for p in parts for r in p.rejected]
    out.append(pl.concat(gaps) if gaps else None)
    out.append(pl.DataFrame(rejected, schema=REJECTED_SCHEMA, orient="row") if rejected else None)
    return tuple(out)


def _convert_empty(want: tuple[bool, bool]) -> tuple[pl.DataFrame | None, ...]:
    wide = _empty_wide().lazy()
    return tuple(plan(wide).collect() if wanted else None for plan, wanted in zip((_orders, _items), want, strict=True))


def _report(builder: str, orders: int, gaps: pl.DataFrame | None, rejected: pl.DataFrame | None) -> None:
    """Warn, with counts and reasons, when the frames hold less than the input said."""
    if rejected is not None:
        whole = rejected.filter(pl.col("position").is_null()).height
        counted = [f"{rejected.height - whole} order(s)"] + ([f"{whole} whole document(s)"] if whole else [])
        why = _summary(rejected.with_columns(pl.col("field").fill_null("whole document")))
        warnings.warn(
            RejectedOrdersWarning(
                f"{builder}(strict=False) set aside {' and '.join(counted)} it could not read: they and their "
                f"totals are not in the frames ({why}). Each, with its reason and JSON: "
                f"order_frames(..., strict=False).rejected",
                rejected,
            ),
            stacklevel=3,
        )
    if gaps is not None:
        why = _summary(gaps.with_columns(pl.col("field").str.replace(r"^items\[\d+\]", "items[]")))
        warnings.warn(
            MissingFieldsWarning(
                f"{builder}: fields the API left out, null in the frames ({orders} order(s)): {why}. "
                f"Each order and field: order_frames(...).gaps",
                gaps,
            ),
            stacklevel=3,
        )


def _summary(rows: pl.DataFrame) -> str:
    """``field: n × reason`` per field and reason, most frequent first."""
    counted = (
        rows.group_by("field", "reason", maintain_order=True).len().sort("len", descending=True, maintain_order=True)
    )
    return "; ".join(f"{field}: {n} × {reason}" for field, reason, n in counted.head(8).iter_rows())


def _orders(wide: pl.LazyFrame) -> pl.LazyFrame:
    return wide.select(
        "guid",
        "order_code",
        "external_id",
        "type",
        "status_id",
        "status_name",
        pl.col("currency_code").alias("currency"),
        "price",
        "tax",
        "total",
        "currency_rate",
        "currency_total",
        "order_at",
        pl.col("customer").struct.field("external_id").alias("customer_external_id"),
        pl.col("items").list.len().fill_null(0).cast(pl.UInt32).alias("item_count"),
    )


def _items(wide: pl.LazyFrame) -> pl.LazyFrame:
    return (
        wide.select(
            "guid",
            "order_code",
            "type",
            pl.col("currency_code").alias("currency"),
            "order_at",
            "status_id",
            "status_name",
            pl.int_ranges(pl.col("items").list.len().fill_null(0), dtype=pl.UInt32).alias("line"),
            "items",
        )
        .explode("line", "items", keep_nulls=False)
        .unnest("items")
        .with_columns(*_to_columns(ITEM_NUMBERS))
        .with_columns(
            spread_expr("price", "spot_price").alias("spread"),
            spread_ratio_expr("price", "spot_price").alias("spread_ratio"),
        )
        .select(ITEMS_SCHEMA.names())
    )


def order_frames(x: object, *, strict: bool = True) -> OrderFrames:
    """Orders and items frames from one pass over `x` (pages' bytes, models or dicts): parse once, use both.

    Duplicates are kept: an order seen twice (e.g. on two pages) gives two order rows and twice its
    items; `unique_orders` drops them explicitly.

    What the documented shapes leave out is derived (`type` from `tx_type`, `sku` from `product_id`);
    what cannot be is null, listed in `.gaps` and warned about (`MissingFieldsWarning`). An order
    that cannot be read (an unreadable date or number, a field of the wrong shape) raises
    `ParseError` naming the document, the order (`guid`, `order_code`, `external_id`) and the field,
    with the document's bytes as `.body`. With ``strict=False`` such orders (and documents that are
    not order JSON at all) are set aside instead: the frames hold the rest, `.rejected`
    (`REJECTED_SCHEMA`) holds each with its reason and JSON, and a `RejectedOrdersWarning` (which
    carries the same frame as `.rejected`) says how many and why.

    Examples
    --------
    >>> page = (
    ...     b'{"data": {"data": [{"guid": "G1", "order_code": "C1", "type": "Sell", "currency_code": "GBP",'
    ...     b' "total": 12.50, "order_at": "31-05-2023 03:16", "items": [{"sku": "GAU",'
    ...     b' "spot_price": 64.1445, "price": 62.03, "amount": 0.2015, "total": 12.50}]}]}}'
    ... )
    >>> orders, items = order_frames(page)
    >>> orders.select("order_code", "type", "total", "order_at")
    shape: (1, 4)
    ┌────────────┬──────┬───────────────┬───────────────────────────────┐
    │ order_code ┆ type ┆ total         ┆ order_at                      │
    │ ---        ┆ ---  ┆ ---           ┆ ---                           │
    │ str        ┆ str  ┆ decimal[38,4] ┆ datetime[μs, Europe/Istanbul] │
    ╞════════════╪══════╪═══════════════╪═══════════════════════════════╡
    │ C1         ┆ Sell ┆ 12.5000       ┆ 2023-05-31 03:16:00 +03       │
    └────────────┴──────┴───────────────┴───────────────────────────────┘
    >>> items.select("sku", "amount", "spread", "spread_ratio").row(0)
    ('GAU', Decimal('0.2015'), Decimal('-2.1145'), -0.0329646...)
    """
    orders, items, gaps, rejected = _read(x, (True, True), strict)
    _report("order_frames", orders.height, gaps, rejected)
    return OrderFrames(checked(orders, ORDERS_SCHEMA), checked(items, ITEMS_SCHEMA), rejected, gaps)


def orders_frame(x: object, *, strict: bool = True) -> pl.DataFrame:
    """One row per order (schema `ORDERS_SCHEMA`) from page bytes, OrderPages, OrderResults, Orders or dicts.

    Duplicates are kept (see `unique_orders`). Derivations, gaps, errors and ``strict=False`` as in
    `order_frames`; the orders set aside come on the `RejectedOrdersWarning` (``.rejected``), or
    from ``order_frames(x, strict=False).rejected``.

    Examples
    --------
    >>> from decimal import Decimal
    >>> order = {"guid": "G1", "order_code": "C1", "type": "Buy", "currency_code": "TRY", "total": Decimal("1889.73"),
    ...          "currency_rate": Decimal("0.019120453"), "order_at": "2024-12-05T18:43:32+03:00", "items": []}
    >>> orders_frame([order, order]).select("order_code", "total", "currency_rate", "order_at")
    shape: (2, 4)
    ┌────────────┬───────────────┬────────────────┬───────────────────────────────┐
    │ order_code ┆ total         ┆ currency_rate  ┆ order_at                      │
    │ ---        ┆ ---           ┆ ---            ┆ ---                           │
    │ str        ┆ decimal[38,4] ┆ decimal[38,12] ┆ datetime[μs, Europe/Istanbul] │
    ╞════════════╪═══════════════╪════════════════╪═══════════════════════════════╡
    │ C1         ┆ 1889.7300     ┆ 0.019120453000 ┆ 2024-12-05 18:43:32 +03       │
    │ C1         ┆ 1889.7300     ┆ 0.019120453000 ┆ 2024-12-05 18:43:32 +03       │
    └────────────┴───────────────┴────────────────┴───────────────────────────────┘
    """
    orders, _, gaps, rejected = _read(x, (True, False), strict)
    _report("orders_frame", orders.height, gaps, rejected)
    return checked(orders, ORDERS_SCHEMA)


def items_frame(x: object, *, strict: bool = True) -> pl.DataFrame:
    """One row per order item with its order's keys and spread over spot (schema `ITEMS_SCHEMA`).

    Accepts the same inputs as `orders_frame`; duplicates are kept (see `unique_orders`).
    Derivations, gaps, errors and ``strict=False`` as in `order_frames`.

    Examples
    --------
    >>> from decimal import Decimal
    >>> order = {"guid": "G1", "order_code": "C1", "type": "Sell", "currency_code": "GBP", "order_at": "31-05-2023 03:16",
    ...          "items": [{"sku": "GAG", "spot_price": Decimal("1.2127"), "price": Decimal("1.16"), "amount": 10}]}
    >>> items_frame(order).select("line", "sku", "price", "spread", "spread_ratio")
    shape: (1, 5)
    ┌──────┬─────┬───────────────┬───────────────┬──────────────┐
    │ line ┆ sku ┆ price         ┆ spread        ┆ spread_ratio │
    │ ---  ┆ --- ┆ ---           ┆ ---           ┆ ---          │
    │ u32  ┆ str ┆ decimal[38,4] ┆ decimal[38,4] ┆ f64          │
    ╞══════╪═════╪═══════════════╪═══════════════╪══════════════╡
    │ 0    ┆ GAG ┆ 1.1600        ┆ -0.0527       ┆ -0.043457    │
    └──────┴─────┴───────────────┴───────────────┴──────────────┘
    """
    _, items, gaps, rejected = _read(x, (False, True), strict)
    _report("items_frame", items["guid"].n_unique(), gaps, rejected)
    return checked(items, ITEMS_SCHEMA)
