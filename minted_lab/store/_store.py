"""`OrderStore`: the order history as a Delta Lake table, synced incrementally and read back as frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import polars as pl

from minted_lab._tasks import both
from minted_lab.config import PAGES_IN_FLIGHT
from minted_lab.errors import MintedError
from minted_lab.store import _layout as layout
from minted_lab.store._pull import PER_PAGE, Pulled, pull, run, watched

if TYPE_CHECKING:
    from minted_lab.client import AsyncMintedClient, MintedClient
    from minted_lab.frames import OrderFrames

__all__ = [
    "FINAL_STATUSES",
    "OrderStore",
    "StoreBusyError",
    "StoreError",
    "StoreMismatchError",
    "StoreView",
    "SyncReport",
]

FINAL_STATUSES: Final = frozenset({"Completed", "Cancelled", "Refunded"})
"""Statuses an order is not expected to leave; an order in any other status (or an unknown one) can still
move, so every sync reads it again. A settled order that moves anyway (a late refund or cancellation)
is caught by the reversal sweep for orders of the last `REVERSALS` days, and by ``sync(full=True)``
for any age."""
REVERSED_STATUSES: Final = ("Cancelled", "Refunding", "Refunded")
"""Where a Completed order can still go: each incremental sync lists the recent orders in these."""
REVERSALS: Final = timedelta(days=7)
"""How far back (by order date, from the newest stored order) the reversal sweep looks by default."""

TABLE: Final = "orders"
LOCK: Final = ".sync.lock"
FORMAT: Final = "minted_lab.store/1"
OVERLAP: Final = timedelta(minutes=10)
API_ZONE: Final = ZoneInfo("Europe/Istanbul")


class StoreError(MintedError):
    """The order store cannot do what was asked; the table on disk is as it was."""


class StoreBusyError(StoreError):
    """Another sync of the same store is running (in this process or another); this one did not start."""


class StoreMismatchError(StoreError):
    """The store holds another environment's or API host's orders than the client's."""


Mode = Literal["full", "incremental"]


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: how it read (full or incremental), pages fetched, orders new, changed,
    unchanged and removed, the stored orders it re-read because their status could still move, how
    long it took, and the table version it left (None: the store is still empty)."""

    mode: Mode
    pages: int
    orders_new: int
    orders_changed: int
    orders_unchanged: int
    orders_removed: int
    reread: int
    seconds: float
    version: int | None
    committed: bool
    note: str = ""
    steps: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    """Seconds per step: state (reading the table's keys), pull, frames, compare, write."""
    swept: int = 0
    """Stored orders the reversal sweep read again (recent orders listed as cancelled or refunded)."""

    def __str__(self) -> str:
        made = f"version {self.version}" if self.committed else f"no change (version {self.version})"
        text = (
            f"{self.mode} sync: {self.pages} pages, {self.orders_new} new, {self.orders_changed} changed, "
            f"{self.orders_unchanged} unchanged"
            + (f", {self.orders_removed} removed" if self.orders_removed else "")
            + (f" ({self.swept} recent reversals re-read)" if self.swept else "")
            + f" in {self.seconds:.2f} s; {made}"
        )
        return text + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class _State:
    """The latest version of the table: its number, source, and each order's key facts."""

    version: int
    source: dict[str, Any]
    orders: pl.DataFrame


def _source_of(client: MintedClient | AsyncMintedClient) -> dict[str, Any]:
    parts = urlsplit(client.base_url)
    host = (parts.hostname or "").lower()
    if parts.port:
        host = f"{host}:{parts.port}"
    return {"format": FORMAT, "environment": client.environment, "host": host}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=API_ZONE)


class StoreView:
    """The store as one version left it: `orders()`, `items()`, `frames()`, `dataset()` (read-only).

    `OrderStore.at(version_or_time)` makes one; the latest version is `OrderStore` itself.
    """

    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        self.version = version

    @property
    def table_path(self) -> Path:
        return self.path / TABLE

    def _scan(self) -> pl.LazyFrame:
        return pl.scan_delta(str(self.table_path), version=self.version)

    def orders(self) -> pl.LazyFrame:
        """One row per order (`ORDERS_SCHEMA`), oldest first, times in Europe/Istanbul."""
        return layout.read_orders(self._scan())

    def items(self) -> pl.LazyFrame:
        """One row per order item (`ITEMS_SCHEMA`), oldest order first."""
        return layout.read_items(self._scan())

    def frames(self) -> OrderFrames:
        """Both frames collected: ``orders, items = view.frames()``."""
        from minted_lab.frames import OrderFrames

        orders, items = pl.collect_all([self.orders(), self.items()])
        return OrderFrames(orders, items)

    def dataset(self) -> Any:
        """The table as a pyarrow dataset (items nested, times in UTC): how DuckDB reads it offline.

        >>> import duckdb
        >>> orders = store.dataset()
        >>> duckdb.sql("SELECT month, count(*) FROM orders GROUP BY month ORDER BY month").fetchall()
        """
        from deltalake import DeltaTable

        return DeltaTable(str(self.table_path), version=self.version).to_pyarrow_dataset()

    def __repr__(self) -> str:
        return f"StoreView({str(self.path)!r}, version={self.version})"


class OrderStore:
    """The order history on disk as a Delta Lake table, merged by guid and partitioned by month.

    ``store.sync(client)`` brings it up to date: the first sync pulls every page (concurrently,
    with a progress bar where a person watches); later ones pull the list from the oldest order
    whose status can still move, or from a little before the newest order, whichever comes first,
    check that the positions they share with the table still hold the same orders (else pull
    everything), and merge new and changed orders in one commit. A sync interrupted anywhere
    commits nothing; two at once are refused (`StoreBusyError`) or queued with ``wait=``.

    ``store.orders()`` / ``store.items()`` are LazyFrames in the frames' schemas; ``store.at(3)``
    or ``store.at(datetime)`` reads an older version (Delta time travel).

        >>> store = OrderStore("history/sandbox")
        >>> report = store.sync(client)
        >>> orders = store.orders().filter(pl.col("status_name") == "Completed").collect()
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    @property
    def table_path(self) -> Path:
        """Where the Delta table is: ``<path>/orders`` (what DuckDB, Spark or Databricks open)."""
        return self.path / TABLE

    # ------------------------------------------------------------------ reading
    def _table(self) -> Any:
        from deltalake import DeltaTable

        if not DeltaTable.is_deltatable(str(self.table_path)):
            return None
        return DeltaTable(str(self.table_path))

    @property
    def version(self) -> int | None:
        """The latest version of the table (0 after the first sync); None before any."""
        table = self._table()
        return None if table is None else int(table.version())

    def _latest(self) -> StoreView | None:
        version = self.version
        return None if version is None else StoreView(self.path, version)

    def orders(self) -> pl.LazyFrame:
        """One row per order (`ORDERS_SCHEMA`), oldest first; empty (with the schema) before the first sync."""
        view = self._latest()
        return layout.read_orders(layout.empty_table()) if view is None else view.orders()

    def items(self) -> pl.LazyFrame:
        """One row per order item (`ITEMS_SCHEMA`), oldest order first; empty before the first sync."""
        view = self._latest()
        return layout.read_items(layout.empty_table()) if view is None else view.items()

    def frames(self) -> OrderFrames:
        """Both frames of the latest version, collected: ``orders, items = store.frames()``."""
        from minted_lab.frames import OrderFrames

        view = self._latest()
        if view is not None:
            return view.frames()
        return OrderFrames(self.orders().collect(), self.items().collect())

    def dataset(self) -> Any:
        """The latest version as a pyarrow dataset (see `StoreView.dataset`)."""
        view = self._latest()
        if view is None:
            raise StoreError(f"{self.path} holds no table yet: sync it first")
        return view.dataset()

    def at(self, version_or_time: int | datetime | date | str) -> StoreView:
        """The store as it was: at a version number, or at a time (the last version committed by then).

        Times are the commits' own timestamps (those `history()` shows), not file times, so a copied
        folder travels the same. A naive datetime or an ISO string without an offset is Istanbul time; a date means the end of
        that Istanbul day. ``store.at(datetime.now(UTC) - timedelta(days=1))`` is yesterday's history.
        """
        table = self._table()
        if table is None:
            raise StoreError(f"{self.path} holds no table yet: sync it first")
        target: int | datetime
        if isinstance(version_or_time, bool):
            raise TypeError("expected a version number or a time, not a bool")
        if isinstance(version_or_time, int):
            target = version_or_time
        elif isinstance(version_or_time, datetime):
            target = _aware(version_or_time)
        elif isinstance(version_or_time, date):
            target = datetime.combine(version_or_time + timedelta(days=1), datetime.min.time(), API_ZONE) - timedelta(
                microseconds=1
            )
        elif isinstance(version_or_time, str):
            target = _aware(datetime.fromisoformat(version_or_time))
        else:
            raise TypeError(f"expected a version number or a time, got {type(version_or_time).__name__}")
        latest = int(table.version())
        if isinstance(target, datetime):
            stamp = target.timestamp() * 1000
            made = [
                int(e["version"]) for e in table.history() if e.get("version") is not None and e["timestamp"] <= stamp
            ]
            if not made:
                raise StoreError(f"{self.path} has no version at {target.isoformat()}: its first sync came later")
            target = max(made)
        try:
            table.load_as_version(target)
        except Exception as exc:  # deltalake raises its own errors for a version it does not have
            raise StoreError(f"{self.path} has no version {target!r} (versions 0 to {latest}): {exc}") from exc
        version = int(table.version())
        return StoreView(self.path, version)

    def history(self) -> pl.DataFrame:
        """One row per version, newest first: its time (Istanbul), the Delta operation, and the sync's report."""
        table = self._table()
        rows = []
        for entry in [] if table is None else table.history():
            report = json.loads(entry.get("minted_lab.sync", "null") or "null") or {}
            rows.append(
                {
                    "version": entry.get("version"),
                    "committed_at": datetime.fromtimestamp(entry["timestamp"] / 1000, API_ZONE),
                    "operation": entry.get("operation"),
                    **{
                        key: report.get(key)
                        for key in ("mode", "pages", "orders_new", "orders_changed", "orders_removed")
                    },
                }
            )
        schema = pl.Schema(
            {
                "version": pl.Int64(),
                "committed_at": pl.Datetime("us", "Europe/Istanbul"),
                "operation": pl.String(),
                "mode": pl.String(),
                "pages": pl.Int64(),
                "orders_new": pl.Int64(),
                "orders_changed": pl.Int64(),
                "orders_removed": pl.Int64(),
            }
        )
        return pl.DataFrame(rows, schema=schema)

    def __repr__(self) -> str:
        version = self.version
        return f"OrderStore({str(self.path)!r}, " + ("empty)" if version is None else f"version={version})")

    # ------------------------------------------------------------------ syncing
    def sync(
        self,
        client: MintedClient | AsyncMintedClient,
        *,
        full: bool = False,
        concurrency: int = PAGES_IN_FLIGHT,
        progress: bool | None = None,
        wait: float | None = 0.0,
        overlap: timedelta = OVERLAP,
        reversals: timedelta | None = REVERSALS,
    ) -> SyncReport:
        """Bring the store up to date with the API; returns what was done (see the class docs).

        ``client`` is a `MintedClient` (its settings make an async client for the pull) or, from
        code without a running event loop, an `AsyncMintedClient`. ``full=True`` pulls every page
        and makes the table exactly the list (orders it no longer lists are removed).
        ``concurrency`` bounds the pages in flight; ``progress`` shows a bar (default: where a
        person watches). ``wait`` is how long to queue behind another sync of this store (0:
        refuse at once with `StoreBusyError`; None: as long as it takes). ``overlap`` is how far
        before the newest stored order an incremental pull starts, for orders written late.
        ``reversals`` is how far back (by order date) an incremental sync also lists the orders now
        Cancelled, Refunding or Refunded, so a refund of a Completed order is seen (None: no sweep;
        older reversals are seen by ``full=True``).
        """
        from minted_lab.client import AsyncMintedClient

        if isinstance(client, AsyncMintedClient):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                raise TypeError(
                    "an AsyncMintedClient belongs to the running event loop: use `await store.sync_async(client)`"
                )
        return run(
            lambda: self.sync_async(
                client,
                full=full,
                concurrency=concurrency,
                progress=progress,
                wait=wait,
                overlap=overlap,
                reversals=reversals,
            )
        )

    async def sync_async(
        self,
        client: MintedClient | AsyncMintedClient,
        *,
        full: bool = False,
        concurrency: int = PAGES_IN_FLIGHT,
        progress: bool | None = None,
        wait: float | None = 0.0,
        overlap: timedelta = OVERLAP,
        reversals: timedelta | None = REVERSALS,
        _on_page: Callable[[int], Awaitable[None]] | None = None,
    ) -> SyncReport:
        """`sync`, awaited: for code already inside an event loop (the table work runs in a thread)."""
        started = time.perf_counter()
        show = watched() if progress is None else progress
        steps: dict[str, float] = {}

        def step(name: str, since: float) -> float:
            now = time.perf_counter()
            steps[name] = steps.get(name, 0.0) + now - since
            return now

        async with self._locked(wait), self._async_client(client) as pulling:
            mark = time.perf_counter()
            state = await asyncio.to_thread(self._state)
            mark = step("state", mark)
            source = _source_of(client)
            if state is not None:
                self._check_source(state.source, source)
            mode: Mode = "full"
            note = ""
            first = 1
            reread = 0
            if state is not None and not full:
                first, reread, why = _plan(state.orders, overlap)
                if why:
                    note = why
                else:
                    mode = "incremental"
            limit = asyncio.Semaphore(max(1, concurrency))
            sweep = (
                self._sweep(pulling, state.orders, reversals, first, concurrency, limit)
                if mode == "incremental" and state is not None and reversals is not None
                else _nothing()
            )
            pulled, reversed_pages = await both(
                pull(pulling, first, concurrency=concurrency, progress=show, on_page=_on_page, limit=limit), sweep
            )
            mark = step("pull", mark)
            pages = len(pulled.pages) + (len(reversed_pages.pages) if reversed_pages is not None else 0)
            fresh, positions, missing_guid = await asyncio.to_thread(_fresh, pulled)
            mark = step("frames", mark)
            if mode == "incremental" and state is not None:
                why = _verify(state.orders, positions, pulled)
                if why:
                    mode, note = "full", f"{why}: pulled everything again"
                    pulled = await pull(pulling, 1, concurrency=concurrency, progress=show, on_page=_on_page)
                    mark = step("pull", mark)
                    pages += len(pulled.pages)
                    fresh, positions, missing_guid = await asyncio.to_thread(_fresh, pulled)
                    mark = step("frames", mark)
            swept = 0
            if mode == "incremental" and state is not None and reversed_pages is not None:
                fresh, swept = await asyncio.to_thread(_with_reversed, state.orders, fresh, reversed_pages)
                mark = step("frames", mark)
            if missing_guid:
                note = "; ".join(filter(None, [note, f"{missing_guid} orders without a guid left out"]))

            def commit() -> SyncReport:
                made = self._commit(state, fresh, source, mode, pages, reread, started, note, steps)
                return replace(made, swept=swept)

            job = asyncio.ensure_future(asyncio.to_thread(commit))
            try:
                return await asyncio.shield(job)
            except asyncio.CancelledError:
                with contextlib.suppress(BaseException):
                    await job  # a commit under way finishes (or not) whole before the lock is let go
                raise

    @staticmethod
    async def _sweep(
        pulling: AsyncMintedClient,
        stored: pl.DataFrame,
        reversals: timedelta,
        first: int,
        concurrency: int,
        limit: asyncio.Semaphore,
    ) -> Pulled | None:
        """The orders of the last `reversals` the pull from page `first` does not re-read, as listed now
        with a reversed status (None when there is no such day or no such status); runs beside that pull."""
        days = _sweep_days(stored, reversals, first)
        if days is None:
            return None
        wanted = {name.lower() for name in REVERSED_STATUSES}
        ids = [s.id for s in await pulling.order_statuses() if s.id is not None and (s.name or "").lower() in wanted]
        if not ids:
            return None
        filters: dict[str, Any] = {"status": ids, "start_date": days[0]}
        if days[1] is not None:
            filters["end_date"] = days[1]
        return await pull(pulling, 1, concurrency=concurrency, progress=False, filters=filters, limit=limit)

    @contextlib.asynccontextmanager
    async def _locked(self, wait: float | None) -> AsyncIterator[None]:
        from filelock import FileLock, Timeout

        self.path.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path / LOCK), thread_local=False)
        deadline = None if wait is None else time.monotonic() + max(0.0, wait)
        while True:
            try:
                lock.acquire(timeout=0)
                break
            except Timeout:
                if deadline is not None and time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait else ""
                    raise StoreBusyError(
                        f"another sync of {self.path} is running (it holds {self.path / LOCK}){waited}; "
                        "let it finish, or pass wait=SECONDS (or wait=None) to queue behind it"
                    ) from None
                await asyncio.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    @contextlib.asynccontextmanager
    async def _async_client(self, client: MintedClient | AsyncMintedClient) -> AsyncIterator[AsyncMintedClient]:
        from minted_lab.client import AsyncMintedClient

        if isinstance(client, AsyncMintedClient):
            yield client
            return
        s = client.settings
        async with AsyncMintedClient(
            s.base_url,
            s.username,
            s.password,
            client_id=s.client_id,
            language=s.language,
            timeout=s.timeout,
            environment=s.environment,
            settle_window=s.settle_window,
        ) as made:
            yield made

    def _state(self) -> _State | None:
        table = self._table()
        if table is None:
            return None
        version = int(table.version())
        description = table.metadata().description or "{}"
        try:
            source = json.loads(description)
        except ValueError:
            source = {}
        orders = (
            pl.scan_delta(str(self.table_path), version=version)
            .select("guid", "listed", "status_name", "order_at", layout.PARTITION)
            .collect()
        )
        return _State(version, source if isinstance(source, dict) else {}, orders)

    def _check_source(self, stored: dict[str, Any], source: dict[str, Any]) -> None:
        if stored.get("format") != FORMAT:
            raise StoreMismatchError(f"{self.table_path} is a Delta table, but not one a minted_lab store wrote")
        if stored.get("environment") != source["environment"]:
            raise StoreMismatchError(
                f"{self.path} holds {stored.get('environment')} orders; this client is {source['environment']}: "
                "use one store per environment"
            )
        if source["environment"] != "sandbox" and stored.get("host") != source["host"]:
            raise StoreMismatchError(
                f"{self.path} holds the orders of {stored.get('host')}; this client talks to {source['host']}"
            )

    def _commit(
        self,
        state: _State | None,
        fresh: pl.DataFrame,
        source: dict[str, Any],
        mode: Mode,
        pages: int,
        reread: int,
        started: float,
        note: str,
        steps: dict[str, float],
    ) -> SyncReport:
        from deltalake import CommitProperties, DeltaTable, write_deltalake

        def report(
            new: int, changed: int, unchanged: int, removed: int, version: int | None, committed: bool
        ) -> SyncReport:
            return SyncReport(
                mode,
                pages,
                new,
                changed,
                unchanged,
                removed,
                reread,
                time.perf_counter() - started,
                version,
                committed,
                note,
                steps,
            )

        def properties(new: int, changed: int, unchanged: int, removed: int, version: int) -> Any:
            planned = report(new, changed, unchanged, removed, version, True)
            return CommitProperties(custom_metadata={"minted_lab.sync": _metadata(planned)})

        mark = time.perf_counter()
        if state is None:
            if fresh.is_empty():
                return report(0, 0, 0, 0, None, False)
            write_deltalake(
                str(self.table_path),
                _arrow(fresh),
                mode="error",
                partition_by=[layout.PARTITION],
                name="minted_lab_orders",
                description=json.dumps(source),
                commit_properties=properties(fresh.height, 0, 0, 0, 0),
            )
            steps["write"] = time.perf_counter() - mark
            return report(fresh.height, 0, 0, 0, 0, True)
        upsert, gone, counts = _changes(self.table_path, state, fresh, full=mode == "full")
        new, changed, unchanged = counts
        steps["compare"] = time.perf_counter() - mark
        mark = time.perf_counter()
        if upsert.is_empty() and gone.is_empty():
            return report(new, changed, unchanged, 0, state.version, False)
        source_rows = pl.concat(
            [
                upsert.with_columns(pl.lit("upsert").alias("_op")),
                gone.select(
                    *(
                        pl.col(c) if c in gone.columns else pl.lit(None, dtype=t).alias(c)
                        for c, t in layout.STORED_SCHEMA.items()
                    ),
                    pl.lit("delete").alias("_op"),
                ),
            ],
            how="vertical",
        )
        months = sorted(set(source_rows[layout.PARTITION].to_list()) | set(_stored_months(state, source_rows)))
        listed = ", ".join("'" + m.replace("'", "''") + "'" for m in months)
        columns = {f'"{c}"': f's."{c}"' for c in layout.STORED_SCHEMA.names()}
        (
            DeltaTable(str(self.table_path))
            .merge(
                _arrow(source_rows),
                predicate=f"t.guid = s.guid AND t.{layout.PARTITION} IN ({listed})",
                source_alias="s",
                target_alias="t",
                merge_schema=True,
                commit_properties=properties(new, changed, unchanged, gone.height, state.version + 1),
            )
            .when_matched_delete(predicate="s._op = 'delete'")
            .when_matched_update(updates=columns, predicate="s._op = 'upsert'")
            .when_not_matched_insert(updates=columns, predicate="s._op = 'upsert'")
            .execute()
        )
        steps["write"] = time.perf_counter() - mark
        return report(new, changed, unchanged, gone.height, state.version + 1, True)

    # ------------------------------------------------------------------ upkeep
    def compact(self) -> None:
        """Rewrite each month's small files into fewer large ones (a new version; readers see the same rows)."""
        run(lambda: self._under_lock(lambda table: table.optimize.compact()))

    def vacuum(self, retain: timedelta = timedelta(days=7)) -> list[str]:
        """Delete files no version younger than ``retain`` needs: time travel beyond it stops working."""
        hours = int(retain.total_seconds() // 3600)
        return run(
            lambda: self._under_lock(
                lambda table: table.vacuum(retention_hours=hours, dry_run=False, enforce_retention_duration=False)
            )
        )

    async def _under_lock(self, action: Callable[[Any], Any]) -> Any:
        async with self._locked(0.0):
            table = self._table()
            if table is None:
                raise StoreError(f"{self.path} holds no table yet: sync it first")
            return await asyncio.to_thread(action, table)


def _arrow(frame: pl.DataFrame) -> Any:
    """`frame` as an Arrow table of the classic types (large strings and lists, not views): the Parquet
    files then hold types every reader's filters accept (pyarrow's dataset, so DuckDB, refuses to
    compare a view column with a plain string literal)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


def _metadata(report: SyncReport) -> str:
    return json.dumps({k: v for k, v in asdict(report).items() if k not in ("seconds", "steps")})


def _plan(stored: pl.DataFrame, overlap: timedelta) -> tuple[int, int, str]:
    """(first page to pull, stored orders whose status can still move, why a full pull is needed instead)."""
    n = stored.height
    if n == 0:
        return 1, 0, "the store holds no order yet"
    listed = stored["listed"]
    if listed.min() != 0 or listed.max() != n - 1 or listed.n_unique() != n:
        return 1, 0, "the stored list positions are not 0..n-1"
    moving = stored.filter(~pl.col("status_name").is_in(sorted(FINAL_STATUSES)).fill_null(True))
    newest = stored["order_at"].max()
    late = stored.filter(pl.col("order_at") >= newest - overlap) if isinstance(newest, datetime) else stored.tail(1)
    candidates = [n - 1, late["listed"].min(), moving["listed"].min()]
    start = min(int(c) for c in candidates if isinstance(c, int))
    return start // PER_PAGE + 1, moving.height, ""


async def _nothing() -> None:
    return None


def _fresh(pulled: Pulled) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(table rows of the pulled pages, each order's position, orders without a guid)."""
    from minted_lab.frames import order_frames

    orders, items = order_frames(pulled.pages)
    positions = pulled.positions()
    missing = int(orders["guid"].null_count())
    return layout.stored_frame(orders, items, positions.drop_nulls("guid")), positions, missing


def _sweep_days(stored: pl.DataFrame, reversals: timedelta, first_page: int) -> tuple[date, date | None] | None:
    """The Istanbul order dates the reversal sweep lists, first and last (None: up to today): from
    `reversals` before the newest stored order to the day of the last order the incremental pull (from
    `first_page` on) does not re-read anyway; None when there is nothing to sweep (the list is oldest
    first, so every order past that one is read again by the pull)."""
    newest = stored["order_at"].max()
    if not isinstance(newest, datetime) or first_page == 1:
        return None
    since = (_aware(newest).astimezone(API_ZONE) - reversals).date()
    before = stored.filter(pl.col("listed") == (first_page - 1) * PER_PAGE - 1)["order_at"]
    if before.len() != 1 or not isinstance(before[0], datetime):
        return since, None
    last = _aware(before[0]).astimezone(API_ZONE).date()
    return None if last < since else (since, last)


def _with_reversed(stored: pl.DataFrame, fresh: pl.DataFrame, swept: Pulled) -> tuple[pl.DataFrame, int]:
    """``fresh`` plus the stored orders the sweep found reversed (at their stored list positions), and how
    many that was; an order the main pull read already keeps that reading."""
    from minted_lab.frames import order_frames

    orders, items = order_frames(swept.pages)
    known = (
        stored.select("guid", "listed")
        .join(orders.select("guid").drop_nulls().unique(), on="guid", how="semi")
        .join(fresh.select("guid"), on="guid", how="anti")
    )
    if known.is_empty():
        return fresh, 0
    rows = layout.stored_frame(orders, items, known)
    return pl.concat([fresh, rows.select(fresh.columns)], how="vertical"), known.height


def _verify(stored: pl.DataFrame, positions: pl.DataFrame, pulled: Pulled) -> str:
    """Why the pulled pages do not continue the stored list ('' when they do)."""
    n = stored.height
    if pulled.per_page != PER_PAGE:
        return f"the API pages {pulled.per_page} orders, not {PER_PAGE}"
    if pulled.total < n:
        return f"the API lists {pulled.total} orders, the store holds {n}"
    repeated = positions.drop_nulls("guid").filter(pl.col("guid").is_duplicated())
    if repeated.height:
        return f"order {repeated['guid'][0]} is listed twice"
    known = positions.join(stored.select("guid", pl.col("listed").alias("was")), on="guid", how="left")
    moved = known.filter(pl.col("was").is_not_null() & (pl.col("was") != pl.col("listed")))
    if moved.height:
        row = moved.row(0, named=True)
        return f"order {row['guid']} moved from position {row['was']} to {row['listed']} of the list"
    replaced = known.filter(pl.col("was").is_null() & (pl.col("listed") < n))
    if replaced.height:
        return f"position {replaced['listed'][0]} of the list holds an order the store does not know"
    return ""


def _stored_months(state: _State, rows: pl.DataFrame) -> list[str]:
    """The partitions the stored copies of these orders are in (an order whose month changed moves)."""
    return state.orders.join(rows.select("guid"), on="guid", how="semi")[layout.PARTITION].unique().to_list()


def _changes(
    table_path: Path, state: _State, fresh: pl.DataFrame, full: bool
) -> tuple[pl.DataFrame, pl.DataFrame, tuple[int, int, int]]:
    """(rows to write, stored rows to delete, (new, changed, unchanged)) of merging ``fresh`` into the table."""
    months = sorted(set(_stored_months(state, fresh)))
    guids = fresh["guid"]
    stored = (
        pl.scan_delta(str(table_path), version=state.version)
        .filter(pl.col(layout.PARTITION).is_in(months), pl.col("guid").is_in(guids.implode()))
        .select(layout.STORED_SCHEMA.names())
        .collect()
    )
    compared = [c for c in (*layout.CONTENT, "listed") if c != "guid"]
    joined = fresh.join(stored.rename({c: f"{c}__was" for c in stored.columns if c != "guid"}), on="guid", how="left")
    is_new = pl.col("listed__was").is_null()
    same_content = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}__was")) for c in layout.CONTENT if c != "guid")
    flags = joined.select(
        is_new.alias("new"),
        (~is_new & ~same_content).alias("changed"),
        (~is_new & same_content).alias("same"),
        (~is_new & same_content & pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}__was")) for c in compared)).alias(
            "untouched"
        ),
    )
    upsert = fresh.filter(~flags["untouched"])
    counts = (int(flags["new"].sum()), int(flags["changed"].sum()), int(flags["same"].sum()))
    gone = (
        state.orders.join(fresh.select("guid"), on="guid", how="anti").select("guid", layout.PARTITION)
        if full
        else state.orders.clear().select("guid", layout.PARTITION)
    )
    return upsert, gone, counts
