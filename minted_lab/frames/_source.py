"""Every accepted input turned into JSON documents (bytes), so all of them share one decoder.

Models are duck-typed (see `minted_lab.models`, never imported here): anything with a bytes
`.content` (an `OrderPage`) contributes those bytes; anything with `.raw` (the dict exactly as
the API sent it, numbers as `Decimal`) is JSON-encoded with every Decimal written as its exact
decimal text (`minted_lab._parse.dumps` with ``decimals="text"``). The polars decoder reads every
number as text, so `Decimal("1889.73")` and the API's `1889.73` arrive as the same string and are
cast to Decimal the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from minted_lab._parse import dumps

BATCH_BYTES = 8 << 20
"""Documents are converted in batches of about this many bytes: memory stays flat for any input,
and each polars call has thousands of rows to amortise its fixed cost over (measured at 1M orders:
2 MB batches 7.6 s, 8 MB 5.2-5.8 s, 16 MB no better)."""


def inputs(x: object) -> Iterator[Any]:
    """The inputs `x` holds, in order: `x` itself when it is one (bytes, text, a dict, a model), else its items.

    One input is bytes-like, a str, a Mapping, or anything with `.raw` or `.content`; anything
    else must be an iterable of inputs.
    """
    if isinstance(x, (bytes, bytearray, memoryview, str, Mapping)) or hasattr(x, "raw") or hasattr(x, "content"):
        yield x
    elif isinstance(x, Iterable):
        yield from x
    else:
        raise TypeError(f"expected bytes, a model, a dict or an iterable of them; got {type(x).__name__}")


def body(x: object) -> bytes | None:
    """The JSON text one input carries as bytes: itself when bytes-like or a str, else its non-empty `.content`.

    None when it carries none (a dict, or a model known only by its `.raw`).
    """
    if isinstance(x, bytes):
        return x
    if isinstance(x, (bytearray, memoryview)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode()
    content = getattr(x, "content", None)
    if isinstance(content, (bytes, bytearray, memoryview)) and len(content):
        return bytes(content)
    return None


def _document(x: object) -> bytes:
    text = body(x)
    if text is not None:
        return text
    raw = getattr(x, "raw", x)
    if isinstance(raw, Mapping):
        return dumps(raw if "success" in raw else {"data": raw}, decimals="text")
    if isinstance(raw, list):
        return dumps({"data": {"data": raw}}, decimals="text")
    raise TypeError(f"expected page bytes, a model with .raw or .content, or a dict; got {type(x).__name__}")


def documents(x: object) -> Iterator[bytes]:
    """Yield one JSON document per page, answer, order or model, in input order."""
    for item in inputs(x):
        yield _document(item)


def batches(x: object, limit: int | None = None) -> Iterator[list[bytes]]:
    """Group `documents(x)` into lists of about `limit` (default `BATCH_BYTES`) bytes, never empty."""
    limit = limit or BATCH_BYTES
    batch: list[bytes] = []
    size = 0
    for doc in documents(x):
        batch.append(doc)
        size += len(doc)
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
