"""The ledger's SQLite file: where it lives, opened whole or refused, written in durable transactions.

One file per environment and API host (``ledger-<environment>-<host>.sqlite``), so sandbox,
staging and production never share a journal. A new file is built beside its name and moved in
whole; an existing one that is empty, lost its schema, or holds fewer rows than its ``.mark`` says
(a write-ahead log lost in a crash) is refused, never silently recreated.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from minted_lab.ledger.errors import SQLITE_ERRORS, LedgerCorruptError, LedgerError, LedgerMismatchError, translate
from minted_lab.ledger.inflight import InFlightGuard
from minted_lab.ledger.schema import apply_migrations

if TYPE_CHECKING:
    from minted_lab.client import MintedClient

__all__ = ["LedgerFile", "default_directory", "host_of"]


def default_directory() -> Path:
    """Where ledgers live unless told otherwise: ``$MINTED_LAB_HOME`` or ``~/.minted_lab``."""
    home = os.environ.get("MINTED_LAB_HOME")
    return Path(home).expanduser() if home else Path.home() / ".minted_lab"


def host_of(base_url: str) -> str:
    """The API host a ledger is bound to: the URL's host, with the port when one is given."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if not host:
        raise LedgerError(f"cannot tell the API host from base URL {base_url!r}")
    return f"{host}:{parts.port}" if parts.port else host


class LedgerFile:
    """The SQLite file of one environment and API host: opened whole or refused, written in transactions.

    >>> ledger = Ledger.for_client(client)              # ~/.minted_lab/ledger-sandbox-127.0.0.1_8000.sqlite
    >>> ledger = Ledger("/tmp/ledger.sqlite")           # bound to the first client it is used with

    Every failure is a :class:`~minted_lab.ledger.LedgerError` in plain words (damaged, read-only,
    disk full, held by another process). A file that exists but is empty, or lost its schema (a
    WAL lost after a crash), is refused: earlier history never vanishes without a word.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        environment: str | None = None,
        host: str | None = None,
        busy_timeout: float = 30.0,
    ) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.guard = InFlightGuard(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                self._create()
            elif self.path.stat().st_size == 0:
                raise LedgerCorruptError(
                    f"the ledger {self.path} is empty (0 bytes) although it exists: its history may have been "
                    "lost. It was left as it is; move it aside (or restore it from a backup) to start a new one"
                )
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._check_intact()
            self._migrate()
        except LedgerError:
            self._close_quietly()
            raise
        except SQLITE_ERRORS as exc:
            self._close_quietly()
            raise translate(exc, self.path, "opening it") from None
        if environment is not None or host is not None:
            self._claim(environment, host)

    def _create(self) -> None:
        """Make a new ledger beside its final name and move it in whole: a ledger file always has its schema."""
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.new")
        conn = sqlite3.connect(partial, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
            apply_migrations(conn, self.path)
            conn.execute("COMMIT")
        finally:
            conn.close()
        try:
            os.link(partial, self.path)  # fails if another process made the ledger first: keep theirs
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not self.path.exists():
                os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)

    def _check_intact(self) -> None:
        db = self._db
        try:
            found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            found = None
        if found is None:
            raise LedgerCorruptError(
                f"the ledger {self.path} has no ledger schema: it is truncated (a write-ahead log lost after a "
                "crash?) or not a minted_lab ledger. It was left as it is; move it aside or restore it"
            )
        marked = self._read_mark()
        if marked:
            held = db.execute("SELECT coalesce(max(id), 0) FROM outcomes").fetchone()[0]
            if held < marked:
                raise LedgerCorruptError(
                    f"the ledger {self.path} is truncated: it holds {held} outcome rows, but {marked} were "
                    f"recorded (see {self.mark_path.name}); its write-ahead log was probably lost in a crash. "
                    "It was left as it is: restore it from a backup, or, if you mean to start over, move the "
                    "ledger and its .mark file aside"
                )
        check = db.execute("PRAGMA quick_check(1)").fetchone()
        if check is None or check[0] != "ok":
            raise LedgerCorruptError(
                f"the ledger {self.path} is damaged ({check[0] if check else 'no answer'}); "
                "it was left as it is: move it aside or restore it from a backup"
            )

    @property
    def mark_path(self) -> Path:
        """The high-water mark beside the file: how many outcome rows were durably recorded."""
        return self.path.with_name(self.path.name + ".mark")

    def _read_mark(self) -> int:
        try:
            return int(json.loads(self.mark_path.read_text("utf-8")).get("outcomes", 0))
        except FileNotFoundError:
            return 0
        except (ValueError, AttributeError, OSError):
            raise LedgerCorruptError(f"the ledger's mark {self.mark_path} is unreadable; move it aside") from None

    def _write_mark(self, db: sqlite3.Connection) -> None:
        """Raise the mark after a durable write, so a ledger that later loses rows is refused, not trusted."""
        held = int(db.execute("SELECT coalesce(max(id), 0) FROM outcomes").fetchone()[0])
        if held <= self._read_mark():
            return
        partial = self.mark_path.with_name(f".{self.mark_path.name}.{os.getpid()}.{threading.get_ident()}")
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump({"outcomes": held}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.mark_path)

    def _close_quietly(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    @classmethod
    def for_client(cls, client: MintedClient, directory: str | os.PathLike[str] | None = None) -> Self:
        """The ledger file of the client's environment and host, in ``directory`` or the default one."""
        ledger = cls(cls.default_path(client.environment, client.base_url, directory))
        ledger.check(client)
        return ledger

    @staticmethod
    def default_path(environment: str, base_url: str, directory: str | os.PathLike[str] | None = None) -> Path:
        """``<directory>/ledger-<environment>-<host>.sqlite``, with the host made file-name safe."""
        safe = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{environment}-{host_of(base_url)}")
        return (Path(directory).expanduser() if directory else default_directory()) / f"ledger-{safe}.sqlite"

    # -- connection and schema ------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerError(f"the ledger {self.path} is closed")
        return self._conn

    @contextlib.contextmanager
    def _write(self, *, durable: bool = True, doing: str = "writing") -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so other writers queue."""
        with self._lock:
            db = self._db
            try:
                if not durable:
                    db.execute("PRAGMA synchronous=NORMAL")
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        yield db
                    except BaseException:
                        if db.in_transaction:  # SQLite already rolled back after SQLITE_FULL and the like
                            db.execute("ROLLBACK")
                        raise
                    db.execute("COMMIT")
                    if durable:
                        self._write_mark(db)
                finally:
                    if not durable:
                        db.execute("PRAGMA synchronous=FULL")
            except SQLITE_ERRORS as exc:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise translate(exc, self.path, doing) from None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cursor = self._db.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except SQLITE_ERRORS as exc:
                raise translate(exc, self.path, "reading") from None

    def _migrate(self) -> None:
        with self._write(doing="upgrading its schema") as db:
            apply_migrations(db, self.path)

    @property
    def meta(self) -> dict[str, str]:
        """The ``meta`` table: schema version, environment, API host, creation time."""
        return {row["key"]: row["value"] for row in self._read("SELECT key, value FROM meta")}

    @property
    def environment(self) -> str | None:
        """The environment this ledger belongs to (None until first bound to a client)."""
        return self.meta.get("environment")

    @property
    def host(self) -> str | None:
        """The API host this ledger belongs to (None until first bound to a client)."""
        return self.meta.get("host")

    @property
    def journal_mode(self) -> str:
        """SQLite's journal mode for this file (``wal``)."""
        return str(self._read("PRAGMA journal_mode")[0][0])

    def _claim(self, environment: str | None, host: str | None) -> None:
        with self._write(doing="binding it to an environment") as db:
            for key, wanted in (("environment", environment), ("host", host)):
                if wanted is None:
                    continue
                row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES (?, ?)", (key, wanted))
                elif row[0] != wanted:
                    raise LedgerMismatchError(
                        f"the ledger {self.path} belongs to {key} {row[0]!r}, not {wanted!r}: "
                        f"use Ledger.for_client(client) for a ledger of that {key}"
                    )

    def check(self, client: MintedClient) -> None:
        """Refuse a client of another environment or host; bind an unbound ledger to this one."""
        self._claim(str(client.environment), host_of(str(client.base_url)))

    def close(self) -> None:
        """Close the file; later calls raise :class:`LedgerError`."""
        with self._lock:
            self._close_quietly()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
