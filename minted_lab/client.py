"""``MintedClient`` (sync) and ``AsyncMintedClient``: the same methods over one endpoint table.

Each method is a thin declaration: the request is built, validated and parsed by plain functions
(``_ops``, ``_http``); the clients only send, wait between retries and walk pages.

    with MintedClient("http://127.0.0.1:8765", "sandbox", "sandbox-password") as client:
        quote = client.quote("GBP")
        result = client.sell(quote, {"GAG": 100})

Sell and buy are never retried once the request may have left: a timeout or dropped connection
raises ``OutcomeUnknownError`` carrying the ``external_id``, and ``client.resolve(external_id)``
settles it. A ``NotSentError`` (connect failure) is retried, with the same external id, because
nothing reached the server.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from . import _ops as ops
from ._http import USER_AGENT, Answer, Call, Engine
from ._tasks import together
from ._transport import async_transport
from .config import PAGES_IN_FLIGHT, Settings
from .endpoints import FromApi
from .errors import MintedError
from .models import Customer, MintedPrices, Order, OrderPage, OrderResult, OrderStatus, ProductPrice, Quote, Wallet

if TYPE_CHECKING:
    from minted_lab.order_request import OrderRequest

__all__ = ["MintedClient", "AsyncMintedClient"]

T = TypeVar("T")
M = TypeVar("M", bound=FromApi)
Items = Mapping[str, Any]


class _Base:
    """What both clients share: settings, the engine, the repr."""

    _engine: Engine
    ledger_home: Path | None
    """Where this client's default ledgers live (a sandbox's temporary folder); None: ``$MINTED_LAB_HOME``
    or ``~/.minted_lab``. Set with ``ledger_home=``."""

    def _setup(
        self,
        base_url: str | None,
        username: str | None,
        password: str | None,
        *,
        client_id: str,
        language: str,
        timeout: float,
        environment: str | None,
        clock: Callable[[], datetime] | None,
        id_factory: Callable[[], str] | None,
        max_retries: int,
        settle_window: float,
    ) -> dict[str, Any]:
        settings = Settings(
            base_url=base_url,
            username=username,
            password=password,
            client_id=client_id,
            language=language,
            timeout=timeout,
            environment=environment,
            settle_window=settle_window,
        ).validated()
        self._engine = Engine(settings, clock=clock, id_factory=id_factory, max_retries=max_retries)
        assert settings.username is not None and settings.password is not None
        return {
            "base_url": settings.base_url,
            "auth": httpx.DigestAuth(settings.username, settings.password),
            "timeout": httpx.Timeout(settings.timeout),
            "follow_redirects": False,
            "headers": {"User-Agent": USER_AGENT},
        }

    @property
    def settings(self) -> Settings:
        """The settings in use (the password is masked in their repr)."""
        return self._engine.settings

    @property
    def environment(self) -> str:
        """``sandbox``, ``staging`` or ``production``."""
        return self._engine.settings.environment or "production"

    @property
    def base_url(self) -> str:
        return self._engine.settings.base_url or ""

    @property
    def settle_window(self) -> float:
        """Seconds after the last attempt of a sell or buy was sent during which a lookup that finds
        nothing does not yet prove "not placed": the request may still reach the server and commit.

        Comfortably above any server or gateway timeout (60 s for nginx, 100 s for Cloudflare);
        measure it on ``now()``, the client's own clock. Set with ``settle_window=`` or MINTED_SETTLE_WINDOW.
        """
        return float(self._engine.settings.settle_window)

    def now(self) -> datetime:
        """The time on this client's clock (the injected ``clock``, else UTC now): what settle windows
        and quote expiries are measured on."""
        return self._engine.clock()

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """Settings from MINTED_BASE_URL, MINTED_USERNAME, MINTED_PASSWORD, MINTED_CLIENT_ID, MINTED_LANGUAGE
        (and MINTED_TIMEOUT, MINTED_ENVIRONMENT, MINTED_SETTLE_WINDOW).

        ``clock``, ``id_factory``, ``max_retries`` and ``transport`` may be given as overrides too.
        """
        client_kwargs = {
            k: overrides.pop(k)
            for k in ("clock", "id_factory", "max_retries", "transport", "ledger_home")
            if k in overrides
        }
        s = Settings.from_env(**overrides)
        return cls(
            s.base_url,
            s.username,
            s.password,
            client_id=s.client_id,  # type: ignore[call-arg]
            language=s.language,
            timeout=s.timeout,
            environment=s.environment,
            settle_window=s.settle_window,
            **client_kwargs,
        )

    def new_external_id(self) -> str:
        """A fresh external id from this client's ``id_factory`` (seeded on a sandbox, so runs repeat)."""
        return self._engine.id_factory()

    def __repr__(self) -> str:
        s = self._engine.settings
        return (
            f"{type(self).__name__}(environment={self.environment!r}, base_url={s.base_url!r}, "
            f"username={s.username!r}, client_id={s.client_id!r}, language={s.language!r})"
        )


class MintedClient(_Base):
    """The Minted Connect Partner API, synchronously. One connection pool and one Digest auth per client."""

    def __init__(
        self,
        base_url: str | None = None,
        username: str | None = None,
        password: str | None = None,
        *,
        client_id: str = "web",
        language: str = "en",
        timeout: float = 10.0,
        environment: str | None = None,
        clock: Callable[[], datetime] | None = None,
        id_factory: Callable[[], str] | None = None,
        max_retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        settle_window: float = 300.0,
        ledger_home: str | os.PathLike[str] | None = None,
    ) -> None:
        self.ledger_home = None if ledger_home is None else Path(ledger_home)
        kwargs = self._setup(
            base_url,
            username,
            password,
            client_id=client_id,
            language=language,
            timeout=timeout,
            environment=environment,
            clock=clock,
            id_factory=id_factory,
            max_retries=max_retries,
            settle_window=settle_window,
        )
        self._http = httpx.Client(transport=transport, **kwargs)

    # ---------------------------------------------------------------- sending
    def _send(self, call: Call[M]) -> Answer[M]:
        engine = self._engine
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = self._http.request(**engine.request_kwargs(call))
            except httpx.RequestError as exc:
                error = engine.transport_error(call, exc)
            else:
                try:
                    return engine.handle(call, response, time.perf_counter() - started)
                except MintedError as exc:
                    error = exc
            delay = engine.retry_delay(call, error, attempt)
            if delay is None:
                raise engine.final_error(call, error)
            attempt += 1
            time.sleep(delay)

    def _run(self, op: Generator[Call[Any], Any, T]) -> T:
        try:
            call = next(op)
            while True:
                try:
                    result = self._send(call)
                except MintedError as exc:
                    call = op.throw(exc)
                else:
                    call = op.send(result)
        except StopIteration as stop:
            value: T = stop.value
            return value

    # ------------------------------------------------------------------ quotes
    def quote(self, currency: str = "GBP", customer_external_id: str | None = None, total: Any = None) -> Quote:
        """Fix prices for ~240 s: the Quote's token is what sell and buy carry."""
        return self._run(ops.quote(self._engine, currency, customer_external_id, total))

    def sell(
        self,
        quote: Quote | str,
        items: Items,
        external_id: str | None = None,
        currency: str | None = None,
        customer_external_id: str | None = None,
    ) -> OrderResult:
        """Sell whole grams at the quote's sell prices, e.g. ``sell(quote, {"GAG": 100})``. Never retried once sent."""
        return self._run(ops.sell(self._engine, quote, items, external_id, currency, customer_external_id))

    def buy(
        self,
        quote: Quote | str,
        items: Items,
        external_id: str | None = None,
        currency: str | None = None,
        customer_external_id: str | None = None,
    ) -> OrderResult:
        """Buy grams (up to 4 decimals) at the quote's buy prices. Never retried once sent."""
        return self._run(ops.buy(self._engine, quote, items, external_id, currency, customer_external_id))

    def place(self, request: OrderRequest) -> OrderResult:
        """Send a validated OrderRequest exactly as built (its bytes are what the ledger journaled);
        never retried once sent."""
        return self._run(ops.send(self._engine, request))

    # ------------------------------------------------------------------ orders
    def order(self, id: str) -> Order:
        """One order by external_id, guid or order_code; NotFoundError when there is none."""
        return self._run(ops.order(self._engine, id))

    def find_order(
        self,
        guid: str | None = None,
        order_code: str | None = None,
        external_id: str | None = None,
        push_hook: bool = False,
    ) -> Order | None:
        """One order by any of its ids (POST /partner/order), or None when nothing matches."""
        return self._run(ops.find_order(self._engine, guid, order_code, external_id, push_hook))

    def resolve(self, external_id: str) -> Order | None:
        """Settle an unknown outcome: the order placed with this external id, or None if it was never created."""
        return self.find_order(external_id=external_id)

    def orders(self, page: int = 1, per_page: int = 30, *, lazy: bool = False, **filters: Any) -> OrderPage:
        """One page of orders. Filters: status (names or ids), tx_type/type, sku, customer_external_id,
        start_date, end_date (dates, datetimes or strings), sort_by, sort_type.

        ``lazy=True`` reads only the paginator and the guids: the orders are decoded from the page's
        bytes when ``.orders`` is first used, or by `frames.order_frames` (which reads the bytes)."""
        return self._run(ops.orders(self._engine, page, per_page, filters, lazy=lazy))

    def iter_pages(self, **filters: Any) -> Iterator[OrderPage]:
        """Every page, oldest orders first, until ``next_page_url`` is null; pages are read lazily
        (paginator and guids; the orders decode from the bytes on first use, see ``orders(lazy=True)``)."""
        params = self._run(ops.walk_params(self._engine, filters))
        page = 1
        while True:
            current = self._run(ops.walk_page(self._engine, params, page))
            yield current
            if not current.next_page_url or not len(current):
                return
            page += 1

    def iter_orders(self, **filters: Any) -> Iterator[Order]:
        """Every order once, oldest first, even while new ones arrive (ascending pages, de-duplicated by guid)."""
        seen: set[Any] = set()
        for page in self.iter_pages(**filters):
            for order in page.orders:
                key = ops.order_key(order)
                if key not in seen:
                    seen.add(key)
                    yield order

    def all_pages(self, *, progress: bool = True, **filters: Any) -> list[OrderPage]:
        """``list(iter_pages(**filters))`` with a tqdm progress bar (the raw pages, for bulk frames)."""
        from tqdm.auto import tqdm

        pages: list[OrderPage] = []
        with tqdm(total=None, unit="order", desc="orders", disable=not progress) as bar:
            for page in self.iter_pages(**filters):
                bar.total = max(page.total, bar.n + len(page))
                bar.update(len(page))
                pages.append(page)
        return pages

    def all_orders(self, *, progress: bool = True, **filters: Any) -> list[Order]:
        """Every order once, oldest first (``list(iter_orders(**filters))``) with a tqdm progress bar."""
        return ops.unique_orders(self.all_pages(progress=progress, **filters))

    def order_statuses(self) -> tuple[OrderStatus, ...]:
        """The server's status ids and names (also cached for the ``status`` filter)."""
        return self._run(ops.order_statuses(self._engine))

    # ---------------------------------------------------------- prices, money
    def product_prices(self, currency: str = "GBP") -> tuple[ProductPrice, ...]:
        """Current per-gram prices of every product in ``currency`` (no token: use quote() to trade)."""
        return self._run(ops.product_prices(self._engine, currency))

    def minted_prices(self) -> MintedPrices:
        """The Minted price feed (GBP per gram) with exchange rates."""
        return self._run(ops.minted_prices(self._engine))

    def partner_balance(self) -> tuple[Wallet, ...]:
        """The partner's own wallets (metal in grams, cash)."""
        return self._run(ops.partner_balance(self._engine))

    def customer_balance(self, external_id: str) -> tuple[Wallet, ...]:
        """One customer's wallets; NotFoundError for an unknown customer."""
        return self._run(ops.customer_balance(self._engine, external_id))

    # --------------------------------------------------------------- customers
    def create_customer(
        self,
        external_id: str,
        *,
        firstname: str | None = None,
        middlename: str | None = None,
        lastname: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        gender: str | None = None,
        identity_number: str | None = None,
        birthdate: Any = None,
        account_type: str | None = None,
        tax_office: str | None = None,
    ) -> Customer:
        """Register an end customer (``account_type="company"`` with ``tax_office`` for a business)."""
        fields = dict(
            firstname=firstname,
            middlename=middlename,
            lastname=lastname,
            email=email,
            phone=phone,
            gender=gender,
            identity_number=identity_number,
            birthdate=birthdate,
            account_type=account_type,
            tax_office=tax_office,
        )
        return self._run(ops.create_customer(self._engine, external_id, fields))

    def customer(self, external_id: str) -> Customer:
        """One customer with their wallets; NotFoundError for an unknown one."""
        return self._run(ops.customer(self._engine, external_id))

    # --------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> MintedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncMintedClient(_Base):
    """The same API and methods as ``MintedClient``, awaited; ``all_orders`` fetches pages concurrently."""

    #: pages fetched at once by all_orders / all_pages
    concurrency = PAGES_IN_FLIGHT

    def __init__(
        self,
        base_url: str | None = None,
        username: str | None = None,
        password: str | None = None,
        *,
        client_id: str = "web",
        language: str = "en",
        timeout: float = 10.0,
        environment: str | None = None,
        clock: Callable[[], datetime] | None = None,
        id_factory: Callable[[], str] | None = None,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        settle_window: float = 300.0,
        ledger_home: str | os.PathLike[str] | None = None,
    ) -> None:
        self.ledger_home = None if ledger_home is None else Path(ledger_home)
        kwargs = self._setup(
            base_url,
            username,
            password,
            client_id=client_id,
            language=language,
            timeout=timeout,
            environment=environment,
            clock=clock,
            id_factory=id_factory,
            max_retries=max_retries,
            settle_window=settle_window,
        )
        self._http = httpx.AsyncClient(transport=transport or async_transport(), **kwargs)

    # ---------------------------------------------------------------- sending
    async def _send(self, call: Call[M]) -> Answer[M]:
        engine = self._engine
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = await self._http.request(**engine.request_kwargs(call))
            except httpx.RequestError as exc:
                error = engine.transport_error(call, exc)
            else:
                try:
                    return engine.handle(call, response, time.perf_counter() - started)
                except MintedError as exc:
                    error = exc
            delay = engine.retry_delay(call, error, attempt)
            if delay is None:
                raise engine.final_error(call, error)
            attempt += 1
            await asyncio.sleep(delay)

    async def _run(self, op: Generator[Call[Any], Any, T]) -> T:
        try:
            call = next(op)
            while True:
                try:
                    result = await self._send(call)
                except MintedError as exc:
                    call = op.throw(exc)
                else:
                    call = op.send(result)
        except StopIteration as stop:
            value: T = stop.value
            return value

    # ------------------------------------------------------------------ quotes
    async def quote(self, currency: str = "GBP", customer_external_id: str | None = None, total: Any = None) -> Quote:
        """Fix prices for ~240 s: the Quote's token is what sell and buy carry."""
        return await self._run(ops.quote(self._engine, currency, customer_external_id, total))

    async def sell(
        self,
        quote: Quote | str,
        items: Items,
        external_id: str | None = None,
        currency: str | None = None,
        customer_external_id: str | None = None,
    ) -> OrderResult:
        """Sell whole grams at the quote's sell prices. Never retried once sent."""
        return await self._run(ops.sell(self._engine, quote, items, external_id, currency, customer_external_id))

    async def buy(
        self,
        quote: Quote | str,
        items: Items,
        external_id: str | None = None,
        currency: str | None = None,
        customer_external_id: str | None = None,
    ) -> OrderResult:
        """Buy grams (up to 4 decimals) at the quote's buy prices. Never retried once sent."""
        return await self._run(ops.buy(self._engine, quote, items, external_id, currency, customer_external_id))

    async def place(self, request: OrderRequest) -> OrderResult:
        """Send a validated OrderRequest exactly as built (its bytes are what the ledger journaled);
        never retried once sent."""
        return await self._run(ops.send(self._engine, request))

    # ------------------------------------------------------------------ orders
    async def order(self, id: str) -> Order:
        """One order by external_id, guid or order_code; NotFoundError when there is none."""
        return await self._run(ops.order(self._engine, id))

    async def find_order(
        self,
        guid: str | None = None,
        order_code: str | None = None,
        external_id: str | None = None,
        push_hook: bool = False,
    ) -> Order | None:
        """One order by any of its ids (POST /partner/order), or None when nothing matches."""
        return await self._run(ops.find_order(self._engine, guid, order_code, external_id, push_hook))

    async def resolve(self, external_id: str) -> Order | None:
        """Settle an unknown outcome: the order placed with this external id, or None if it was never created."""
        return await self.find_order(external_id=external_id)

    async def orders(self, page: int = 1, per_page: int = 30, *, lazy: bool = False, **filters: Any) -> OrderPage:
        """One page of orders (filters and ``lazy`` as in MintedClient.orders)."""
        return await self._run(ops.orders(self._engine, page, per_page, filters, lazy=lazy))

    async def iter_pages(self, **filters: Any) -> AsyncIterator[OrderPage]:
        """Every page, oldest orders first, one at a time, until ``next_page_url`` is null."""
        params = await self._run(ops.walk_params(self._engine, filters))
        page = 1
        while True:
            current = await self._run(ops.walk_page(self._engine, params, page))
            yield current
            if not current.next_page_url or not len(current):
                return
            page += 1

    async def iter_orders(self, **filters: Any) -> AsyncIterator[Order]:
        """Every order once, oldest first, even while new ones arrive (``async for``)."""
        seen: set[Any] = set()
        async for page in self.iter_pages(**filters):
            for order in page.orders:
                key = ops.order_key(order)
                if key not in seen:
                    seen.add(key)
                    yield order

    async def all_pages(
        self, *, progress: bool = True, concurrency: int | None = None, **filters: Any
    ) -> list[OrderPage]:
        """Every page, fetched ``concurrency`` at a time up to the first-seen last page, then one by one
        until ``next_page_url`` is null (orders placed meanwhile land on the pages past it)."""
        from tqdm.auto import tqdm

        params = await self._run(ops.walk_params(self._engine, filters))
        first = await self._run(ops.walk_page(self._engine, params, 1))
        pages = [first]
        limit = asyncio.Semaphore(concurrency or self.concurrency)
        with tqdm(total=first.total, initial=len(first), unit="order", desc="orders", disable=not progress) as bar:

            async def fetch(number: int) -> OrderPage:
                async with limit:
                    page = await self._run(ops.walk_page(self._engine, params, number))
                bar.update(len(page))
                return page

            if first.last_page > 1 and first.next_page_url:
                pages.extend(await together(*(fetch(n) for n in range(2, first.last_page + 1))))
            tail = pages[-1]
            while tail.next_page_url and len(tail):
                tail = await fetch(len(pages) + 1)
                bar.total = max(bar.total or 0, tail.total)
                pages.append(tail)
        return pages

    async def all_orders(self, *, progress: bool = True, concurrency: int | None = None, **filters: Any) -> list[Order]:
        """Every order once, oldest first, pages fetched concurrently (see ``all_pages``)."""
        return ops.unique_orders(await self.all_pages(progress=progress, concurrency=concurrency, **filters))

    async def order_statuses(self) -> tuple[OrderStatus, ...]:
        """The server's status ids and names (also cached for the ``status`` filter)."""
        return await self._run(ops.order_statuses(self._engine))

    # ---------------------------------------------------------- prices, money
    async def product_prices(self, currency: str = "GBP") -> tuple[ProductPrice, ...]:
        """Current per-gram prices of every product in ``currency``."""
        return await self._run(ops.product_prices(self._engine, currency))

    async def minted_prices(self) -> MintedPrices:
        """The Minted price feed (GBP per gram) with exchange rates."""
        return await self._run(ops.minted_prices(self._engine))

    async def partner_balance(self) -> tuple[Wallet, ...]:
        """The partner's own wallets."""
        return await self._run(ops.partner_balance(self._engine))

    async def customer_balance(self, external_id: str) -> tuple[Wallet, ...]:
        """One customer's wallets; NotFoundError for an unknown customer."""
        return await self._run(ops.customer_balance(self._engine, external_id))

    # --------------------------------------------------------------- customers
    async def create_customer(
        self,
        external_id: str,
        *,
        firstname: str | None = None,
        middlename: str | None = None,
        lastname: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        gender: str | None = None,
        identity_number: str | None = None,
        birthdate: Any = None,
        account_type: str | None = None,
        tax_office: str | None = None,
    ) -> Customer:
        """Register an end customer."""
        fields = dict(
            firstname=firstname,
            middlename=middlename,
            lastname=lastname,
            email=email,
            phone=phone,
            gender=gender,
            identity_number=identity_number,
            birthdate=birthdate,
            account_type=account_type,
            tax_office=tax_office,
        )
        return await self._run(ops.create_customer(self._engine, external_id, fields))

    async def customer(self, external_id: str) -> Customer:
        """One customer with their wallets."""
        return await self._run(ops.customer(self._engine, external_id))

    # --------------------------------------------------------------- lifecycle
    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncMintedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
