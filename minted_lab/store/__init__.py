"""The order history on disk: a Delta Lake table, synced incrementally, read back as polars frames.

    >>> from minted_lab.store import OrderStore
    >>> store = OrderStore("history/staging")
    >>> store.sync(client)                       # first run: every page; later runs: what can have changed
    >>> orders, items = store.frames()           # or store.orders() / store.items(): LazyFrames
    >>> store.at(0).orders()                     # the history as the first sync saw it

The table is ``<store>/orders``: one row per order in the frames' order columns, its items nested in
``items`` (a list of structs), ``listed`` (the order's position in the API's list, oldest first) and
``month`` (``YYYY-MM`` in Istanbul time, the partition column). Money is DECIMAL(38, 4) (rates 38, 12),
times are UTC timestamps (the same instants; `orders()` shows them in Europe/Istanbul).

Other engines read it as the Delta table it is. DuckDB, offline, through deltalake's pyarrow dataset::

    import duckdb
    orders = store.dataset()
    duckdb.sql("SELECT month, type, sum(currency_total) FROM orders GROUP BY ALL ORDER BY ALL")
    duckdb.sql("SELECT guid, unnest(items, recursive := true) FROM orders")   # one row per item

Spark (with the delta-spark package) or Databricks, for a history that outgrows one machine: copy
or sync the folder to storage the cluster reads (a volume, S3, ADLS, GCS) and open ``<store>/orders``::

    orders = spark.read.format("delta").load("/Volumes/partner/history/orders")
    items = orders.select("guid", "order_code", "order_at", F.inline("items"))
    spark.read.format("delta").option("versionAsOf", 3).load(path)          # time travel
    -- Databricks SQL: CREATE TABLE partner.orders USING DELTA LOCATION '<path>/orders';
    --                 SELECT * FROM partner.orders VERSION AS OF 3;

Only this package writes the table (merges keyed by guid, partition-pruned by month); any number of
readers may read it while a sync runs, and always see a whole version.
"""

from __future__ import annotations

from minted_lab.store._cli import configure, run, sync_main
from minted_lab.store._store import (
    FINAL_STATUSES,
    OrderStore,
    StoreBusyError,
    StoreError,
    StoreMismatchError,
    StoreView,
    SyncReport,
)

__all__ = [
    "FINAL_STATUSES",
    "OrderStore",
    "StoreBusyError",
    "StoreError",
    "StoreMismatchError",
    "StoreView",
    "SyncReport",
    "configure",
    "run",
    "sync_main",
]
