"""`Sandbox`: the local Minted Connect emulator as a context manager with a Python API for tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

from starlette.applications import Starlette

from minted_lab.sandbox import render
from minted_lab.sandbox.app import build_app
from minted_lab.sandbox.auth import USERS, DigestAuthority
from minted_lab.sandbox.book import Book
from minted_lab.sandbox.catalog import STATUS_NAMES
from minted_lab.sandbox.clock import SandboxClock
from minted_lab.sandbox.faults import Faults
from minted_lab.sandbox.history import seed_customers, seed_history
from minted_lab.sandbox.ids import ExternalIds
from minted_lab.sandbox.market import Market
from minted_lab.sandbox.money import dumps, loads
from minted_lab.sandbox.profiles import Profile, resolve
from minted_lab.sandbox.ratelimit import RateLimiter
from minted_lab.sandbox.runtime import RequestRecord, Runtime
from minted_lab.sandbox.server import DEFAULT_REQUEST_TIMEOUT, ServerThread


class Sandbox:
    """A seeded, deterministic Partner API on 127.0.0.1: `with Sandbox(seed=7) as sb: ... sb.url ...`.

    `request_timeout` closes a connection that has not delivered a whole request within that many
    seconds (slow or stalled clients); `error_fields=False` answers 422s with the message alone and no
    `errors` map, as the public docs' examples show (None: as the profile says). Digest nonces differ
    from run to run (see auth.py); everything a client reads is determined by the seed and the profile.

    `profile` is "default" (our reading of the docs, docs/api-shapes.md), "documented" (the docs' own
    examples where they differ from it) or a `profiles.Profile`, e.g.
    `dataclasses.replace(DOCUMENTED, price_sides="buy>spot>sell")`: see profiles.py for every switch.
    """

    username = "sandbox"
    password = USERS["sandbox"]
    readonly_username = "viewer"
    readonly_password = USERS["viewer"]

    def __init__(
        self,
        seed: int = 7,
        history: int = 0,
        clock: str = "frozen",
        start: datetime | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: tuple[int, float] | None = None,
        digest_algorithm: str = "SHA-256",
        nonce_ttl: float = 300.0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        error_fields: bool | None = None,
        profile: str | Profile = "default",
    ) -> None:
        if not request_timeout > 0:
            raise ValueError("request_timeout must be a positive number of seconds")
        self.seed = int(seed)
        self.profile = resolve(profile)
        self.host, self.port = host, int(port)
        self.request_timeout = float(request_timeout)
        self.clock = SandboxClock(start, clock)
        self.market = Market(self.seed, sides=self.profile.price_sides)
        self.book = Book(self.seed)
        seed_customers(self.book, self.seed, self.clock.start)
        seed_history(self.book, self.market, self.seed, self.clock.start, int(history), self.profile)
        self.faults = Faults()
        self.runtime = Runtime(
            clock=self.clock,
            market=self.market,
            book=self.book,
            auth=DigestAuthority(digest_algorithm, nonce_ttl),
            faults=self.faults,
            limiter=RateLimiter(*rate_limit) if rate_limit else None,
            error_fields=self.profile.error_fields if error_fields is None else bool(error_fields),
            profile=self.profile,
        )
        self.app: Starlette = build_app(self.runtime)
        self._external_ids = ExternalIds(self.seed, taken=self.book.holds_external_id)
        self._server: ServerThread | None = None
        self._ledger_home: str | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Serve in a background thread; returns once the port accepts connections.

        Unless ``$MINTED_LAB_HOME`` is set, the default ledgers of this sandbox's clients go to a
        temporary folder that :meth:`stop` removes: an ephemeral sandbox leaves no files behind.
        """
        if self._ledger_home is None and not os.environ.get("MINTED_LAB_HOME"):
            self._ledger_home = tempfile.mkdtemp(prefix="minted-sandbox-ledgers-")
        if self._server is None:
            server = ServerThread(self.app, self.host, self.port, self.request_timeout)
            server.start()
            self._server = server
        return self

    def stop(self) -> None:
        """Stop serving (idempotent) and remove the temporary ledger folder, if this sandbox made one."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._ledger_home is not None:
            shutil.rmtree(self._ledger_home, ignore_errors=True)
            self._ledger_home = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>` of the running server."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running: use `with Sandbox() as sb:` or sb.start()")
        return f"http://{self._server.host}:{self._server.port}"

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the app handles no request (a sell held by a latency fault, or one whose client
        already gave up, included); False if `timeout` seconds pass first. Then `orders()` shows
        whatever such a request committed."""
        return self.runtime.in_flight.wait_idle(timeout)

    # ---- inspection -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request seen so far (endpoint, method, path, status, user, at, fault, sell/buy body)."""
        return self.runtime.recorded()

    def orders(self) -> list[dict[str, Any]]:
        """Every order as the order list would show it now (profile included), in creation order."""
        now = self.clock.now()
        with self.book.lock:
            shown = [render.listed(o, now, self.book.customer_of(o), self.profile) for o in self.book.orders]
        return loads(dumps(shown))  # type: ignore[no-any-return]

    def set_status(self, order_code: str, status_name: str) -> None:
        """Move an order to another status from the back office's side (a late refund or cancellation),
        as a test of readers that must notice it; wallets are left as they are."""
        ids = {name.lower(): i for i, name in STATUS_NAMES.items()}
        if status_name.lower() not in ids:
            raise ValueError(f"status_name: expected one of {', '.join(STATUS_NAMES.values())}, got {status_name!r}")
        with self.book.lock:
            order = self.book.by_code.get(order_code.upper())
            if order is None:
                raise KeyError(f"no order {order_code!r}")
            order.fixed_status = ids[status_name.lower()]

    def balance(self, code: str, customer_external_id: str | None = None) -> Decimal:
        """A wallet balance (SKU or currency) of the partner, or of a customer."""
        with self.book.lock:
            if customer_external_id is not None and customer_external_id not in self.book.customers:
                raise KeyError(f"unknown customer {customer_external_id!r}")
            return self.book.balance(code, customer_external_id)

    def customers(self) -> list[str]:
        """External ids of the seeded customers."""
        return list(self.book.seeded_customers)

    @property
    def pushed_hooks(self) -> list[tuple[str, datetime]]:
        """(guid, time) of every `push_hook: true` lookup."""
        with self.book.lock:
            return list(self.book.hooks)

    # ---- clients --------------------------------------------------------------------------

    def _client_kwargs(self, kw: dict[str, Any]) -> dict[str, Any]:
        kw.setdefault("environment", "sandbox")
        kw.setdefault("clock", self.clock.now)
        kw.setdefault("id_factory", self._external_ids)
        if self._ledger_home is not None:
            kw.setdefault("ledger_home", self._ledger_home)
        return kw

    def client(self, **kw: Any) -> Any:
        """A `minted_lab.MintedClient` for this sandbox (seeded external ids, sandbox clock).

        The one place the sandbox meets the client, through the package's public face: the sandbox
        answers requests with no client code (no endpoint table, no parsing), so a client bug cannot
        hide behind the same bug here."""
        import minted_lab

        return minted_lab.MintedClient(self.url, self.username, self.password, **self._client_kwargs(kw))

    def async_client(self, **kw: Any) -> Any:
        """A `minted_lab.AsyncMintedClient` for this sandbox."""
        import minted_lab

        return minted_lab.AsyncMintedClient(self.url, self.username, self.password, **self._client_kwargs(kw))

    def __repr__(self) -> str:
        where = self.url if self._server else "stopped"
        return f"Sandbox(seed={self.seed}, profile={self.profile.name!r}, {where}, orders={len(self.book.orders)}, now={self.clock.now().isoformat()})"
