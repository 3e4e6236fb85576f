"""Seeded identifiers: price tokens, guids, order codes, client external ids."""

from __future__ import annotations

import random
import string
import threading
import uuid
from collections.abc import Callable

_ALNUM = string.ascii_letters + string.digits
_CODE = string.ascii_uppercase + string.digits


class IdSource:
    """A seeded stream of identifiers; the same seed and call sequence give the same ids."""

    def __init__(self, seed: int, stream: str) -> None:
        self._rng = random.Random(f"minted-sandbox:{seed}:{stream}")
        self._lock = threading.Lock()

    @property
    def rng(self) -> random.Random:
        """The underlying generator (for seeded choices that must follow the same stream)."""
        return self._rng

    def token(self) -> str:
        """32 alphanumerics, like a price token."""
        with self._lock:
            return "".join(self._rng.choice(_ALNUM) for _ in range(32))

    def alnum(self, n: int) -> str:
        """`n` alphanumerics (a card payment token)."""
        with self._lock:
            return "".join(self._rng.choice(_ALNUM) for _ in range(n))

    def guid(self) -> str:
        """An upper-case version-4 UUID."""
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4)).upper()

    def order_code(self) -> str:
        """Eight of A-Z0-9."""
        with self._lock:
            return "".join(self._rng.choice(_CODE) for _ in range(8))

    def hex(self, n: int) -> str:
        """`n` upper-case hex digits."""
        with self._lock:
            return f"{self._rng.getrandbits(4 * n):0{n}X}"


class ExternalIds:
    """The seeded `id_factory` handed to sandbox clients: "ML-" + 12 upper-case hex, thread-safe.

    `taken` tells whether an id is already in use (the sandbox passes its book's check): those are
    skipped, so a factory seeded like one used earlier against the same server never repeats an
    external id an order already holds. Against a fresh book nothing is skipped, so the same seed
    still gives the same ids.
    """

    def __init__(self, seed: int, taken: Callable[[str], bool] | None = None) -> None:
        self._source = IdSource(seed, "client-external-ids")
        self._taken = taken

    def __call__(self) -> str:
        while True:
            candidate = "ML-" + self._source.hex(12)
            if self._taken is None or not self._taken(candidate):
                return candidate
