"""Awaiting pieces of work at once, the way every bulk read wants it: all results in order, or the first
failure raised as itself (a ``MintedError``, not an ``ExceptionGroup`` as ``asyncio.TaskGroup`` gives),
after the rest has been called off and has unwound."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


async def together(*work: Awaitable[T]) -> list[T]:
    """Await all of `work` at once, results in order; the first failure is raised as itself (no
    ExceptionGroup), after the rest has been called off and has unwound."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """`together` for two pieces of work of different types."""
    one, other = asyncio.ensure_future(first), asyncio.ensure_future(second)
    await together(one, other)
    return one.result(), other.result()
