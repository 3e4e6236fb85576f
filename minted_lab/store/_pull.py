"""Pulling order-list pages for a sync: from one page to the end, a bounded number at a time.

The list is walked oldest first (``sortBy=created_at&sortType=asc``), so an order keeps its
position while new ones arrive at the end: page ``p`` holds positions ``(p-1)*per_page`` onwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from minted_lab._tasks import together

if TYPE_CHECKING:
    from minted_lab.client import AsyncMintedClient
    from minted_lab.models import OrderPage

PER_PAGE = 30
"""Orders per page: the most the API gives."""
WALK = {"sort_by": "created_at", "sort_type": "asc"}

T = TypeVar("T")


@dataclass(frozen=True)
class Pulled:
    """Pages ``first..`` of the order list, in page order."""

    first: int
    pages: list[OrderPage]

    @property
    def total(self) -> int:
        """How many orders the API said it lists (its first page's ``total``)."""
        return self.pages[0].total if self.pages else 0

    @property
    def per_page(self) -> int:
        return self.pages[0].per_page if self.pages else PER_PAGE

    def positions(self) -> pl.DataFrame:
        """(guid, listed): each order's 0-based position in the list, from its page and place on it."""
        guids: list[str | None] = []
        listed: list[int] = []
        for number, page in enumerate(self.pages, self.first):
            start = (number - 1) * page.per_page
            for i, guid in enumerate(page.guids):
                guids.append(guid)
                listed.append(start + i)
        return pl.DataFrame({"guid": guids, "listed": listed}, schema={"guid": pl.String, "listed": pl.Int64})

    @property
    def orders(self) -> int:
        return sum(len(page) for page in self.pages)


def watched() -> bool:
    """Whether a person is likely watching: stderr is a terminal, or this runs in a Jupyter kernel."""
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


async def pull(
    client: AsyncMintedClient,
    first: int,
    *,
    concurrency: int,
    progress: bool,
    on_page: Callable[[int], Awaitable[None]] | None = None,
    filters: dict[str, Any] | None = None,
    limit: asyncio.Semaphore | None = None,
) -> Pulled:
    """Pages ``first`` to the last, ``concurrency`` at a time up to the last page the first one names,
    then one by one while ``next_page_url`` goes on (orders placed meanwhile land there).

    ``on_page`` is awaited with each page number before it is fetched (tests interrupt a sync there);
    ``filters`` narrow the list as ``client.orders`` takes them (the walk stays oldest first);
    ``limit``, when given, is the bound shared with pulls running beside this one (else ``concurrency``).
    """
    from tqdm.auto import tqdm

    async def fetch(number: int) -> OrderPage:
        if on_page is not None:
            await on_page(number)
        return await client.orders(page=number, per_page=PER_PAGE, lazy=True, **WALK, **(filters or {}))

    head = await fetch(first)
    pages: dict[int, OrderPage] = {first: head}
    remaining = max(head.total - (first - 1) * head.per_page, len(head))
    with tqdm(total=remaining, initial=len(head), unit="order", desc="sync", disable=not progress) as bar:
        bound = limit or asyncio.Semaphore(max(1, concurrency))

        async def one(number: int) -> OrderPage:
            async with bound:
                page = await fetch(number)
            bar.update(len(page))
            return page

        if len(head) and head.next_page_url and head.last_page > first:
            numbers = range(first + 1, head.last_page + 1)
            pages.update(zip(numbers, await together(*(one(n) for n in numbers)), strict=True))
        number = max(pages)
        tail = pages[number]
        while tail.next_page_url and len(tail):
            number += 1
            tail = await one(number)
            pages[number] = tail
            bar.total = max(bar.total or 0, bar.n)
    return Pulled(first, [pages[n] for n in sorted(pages)])


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to its end from synchronous code, also where an event loop already runs (Jupyter).

    Without a running loop this is ``asyncio.run``. With one (a notebook cell), the coroutine runs on
    a loop of its own in a worker thread while this thread waits; an interrupt (Ctrl-C, the
    notebook's stop button) cancels it there and waits until it has unwound before re-raising.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_coroutine(make))
    import threading

    loop = asyncio.new_event_loop()
    outcome: dict[str, Any] = {}
    task_box: list[asyncio.Task[T]] = []
    started = threading.Event()

    def work() -> None:
        asyncio.set_event_loop(loop)
        try:
            task = loop.create_task(_coroutine(make))
            task_box.append(task)
            started.set()
            outcome["value"] = loop.run_until_complete(task)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            started.set()
            loop.close()

    worker = threading.Thread(target=work, name="minted-store-sync", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except BaseException:
        started.wait()
        if task_box:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing left to cancel
                loop.call_soon_threadsafe(task_box[0].cancel)
        worker.join()
        raise
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


async def _coroutine(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
