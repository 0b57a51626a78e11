"""The SQLCipher engine: a raw 256-bit key, WAL, full fsync, foreign keys, immediate transactions.

The ``sqlite+pysqlcipher`` URL only carries a passphrase (one PBKDF2 per connection), so the
engine is built on the plain ``sqlite`` dialect with a ``creator`` that opens a
``sqlcipher3.dbapi2`` connection and keys it with the raw key. Everything SQLite-specific stays in
this module so the models remain portable to PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import weakref
from pathlib import Path
from typing import Any

import orjson
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from .checkpoints import Checkpoints
from .errors import DataDirProblem, NotADatabase
from .turns import WriteTurns

# Execution option that marks a read-only unit of work (deferred BEGIN, no write lock).
READ_ONLY = "facilitator_read_only"
# Execution option of a write whose commit need not reach the disk at once (see ``_begin``).
RELAXED = "facilitator_relaxed"
# A relaxed write's page cache (``PRAGMA cache_size``, negative: KiB; a pull's slices): at most
# this much memory (256 MB), given back when the connection returns to the pool, which restores
# the usual size (kept in the connection's info under ``_USUAL``). A new laptop's first pull of
# the five-year clinic (``initial_sync_5y_s``) measured 115-138 s in four runs with 64 MB and
# 103-108 s in two with 256 MB; keeping the cache from slice to slice until the round ended
# measured the same (102 s), so it is given back after each.
RELAXED_CACHE_KIB = -262144
_USUAL = "facilitator_usual_cache"
_PULL_SETTINGS = "facilitator_pull_settings"
_AUTO_CHECKPOINT = "facilitator_wal_autocheckpoint"

_FULL_DISK = ("database or disk is full", "disk i/o error")
_READ_ONLY = ("readonly database", "read-only", "unable to open database")
_NOT_OURS = ("file is not a database", "database disk image is malformed")


def open_raw(path: Path, key: bytes) -> sqlcipher.Connection:
    """One keyed DB-API connection. The key pragma must be the first statement after the log level,
    which keeps SQLCipher's own error lines off the user's terminal on a wrong key."""
    conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _configure(conn: sqlcipher.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = WAL")
    # Clinical writes must survive a power cut the moment the therapist sees them acknowledged.
    conn.execute("PRAGMA synchronous = FULL")
    # On macOS fsync() only reaches the drive's cache; F_FULLFSYNC reaches the platter/flash.
    # Elsewhere SQLite falls back to a plain fsync, so the pragmas are set on every OS.
    conn.execute("PRAGMA fullfsync = ON")
    conn.execute("PRAGMA checkpoint_fullfsync = ON")
    # Sorts and temporary indexes stay in memory: never decrypted pages in a temp file.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")


def translate(error: BaseException) -> Exception | None:
    """Map a driver error to a storage error with a message safe to show, or None."""
    text = str(getattr(error, "orig", None) or error).lower()
    if any(s in text for s in _NOT_OURS):
        return NotADatabase(
            "The database file is damaged or is not a Facilitator database. It was left untouched;"
            " restore it from a backup."
        )
    if any(s in text for s in _FULL_DISK):
        return DataDirProblem("The disk is full or failing: the change was not saved.")
    if any(s in text for s in _READ_ONLY):
        return DataDirProblem("The data folder is read-only: the change was not saved.")
    return None


def json_text(value: Any) -> str:
    """JSON columns' text. orjson: a new laptop's first pull writes ~700,000 sync records
    whose per-field state is JSON, and the standard encoder was a tenth of that pull. What
    orjson refuses (an integer past 64 bits, a NaN's legacy spelling) is written as before;
    either text reads back to the same value."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value)


def json_value(text: str | bytes) -> Any:
    """A JSON column's value, whichever encoder wrote its text."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # e.g. "NaN", which the standard encoder may have written
        return json.loads(text)


def build_engine(path: Path, key: bytes, *, connect: Any = open_raw, module: Any = sqlcipher,
                 checkpoints: Checkpoints | None = None) -> Engine:
    """The engine for ``path``. ``connect``/``module`` exist so the benchmark can run the very same
    configuration on plain SQLite to measure what encryption costs; the app never passes them.
    ``checkpoints``: who checkpoints the log (``storage.checkpoints``; SQLite alone if None)."""

    def creator() -> Any:
        conn = connect(path, key)
        try:
            _configure(conn)
        except module.DatabaseError as error:
            conn.close()
            raise translate(error) or error from error
        return conn

    # module=: the dialect must know the real DB-API so driver errors are wrapped as
    # sqlalchemy.exc.DBAPIError subclasses (it would otherwise expect stdlib sqlite3's).
    engine = create_engine(
        "sqlite://", module=module, creator=creator, poolclass=QueuePool, pool_size=2,
        max_overflow=4, json_serializer=json_text, json_deserializer=json_value,
    )

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers take the write lock at BEGIN so two never interleave the audit hash chain.
        # Readers begin deferred: in WAL mode they neither wait for nor block the one writer, so
        # a long verify or export never stalls the live console.
        options = connection.get_execution_options()
        if options.get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        # A relaxed write (a pull applying what the hub keeps anyway) commits to the WAL
        # without an fsync: a power cut may undo it, whole, never half. The next durable
        # commit on any connection puts it on disk too (the WAL is written in order). The
        # level can only change outside a transaction, so it is set here, and set back at the
        # connection's next durable BEGIN.
        relaxed, info = bool(options.get(RELAXED)), connection.info
        pages = Checkpoints.USUAL_PAGES if checkpoints is None else checkpoints.pages
        if info.get(_AUTO_CHECKPOINT, Checkpoints.USUAL_PAGES) != pages:
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {int(pages)}")
            info[_AUTO_CHECKPOINT] = pages
        if info.get(RELAXED, False) != relaxed:
            connection.exec_driver_sql("PRAGMA synchronous = " + ("NORMAL" if relaxed else "FULL"))
            info[RELAXED] = relaxed
        if relaxed:
            # A pull's slice inserts into indexes of hundreds of megabytes: with the usual
            # cache each page that fell out was read and decrypted again. The memory goes back
            # when the connection returns to the pool (``_after_pull``), in the pull's own
            # thread and after its write turn (``Workspace.transaction``), so no console action
            # waits for that.
            if _USUAL not in info:
                info[_USUAL] = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            connection.exec_driver_sql(f"PRAGMA cache_size = {RELAXED_CACHE_KIB}")
            info[_PULL_SETTINGS] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _after_pull(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None and record.info.pop(_PULL_SETTINGS, False):
            dbapi_connection.execute(f"PRAGMA cache_size = {int(record.info[_USUAL])}")

    return engine


# The database files this process holds open (id of the Database -> its path), so a restore
# never moves or replaces files under a live engine.
_OPEN: dict[int, Path] = {}


def is_open(path: Path) -> bool:
    """Whether this process holds an open ``Database`` on ``path``."""
    target = Path(path).resolve()
    return any(p == target for p in list(_OPEN.values()))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class Database:
    """An open, keyed database: hands out ORM sessions, one per unit of work."""

    def __init__(self, path: Path, key: bytes, **engine_options: Any) -> None:
        self.path = path
        self._engine_options = engine_options
        self.turns = WriteTurns()  # this process's write transactions, in order
        self.checkpoints = Checkpoints()  # who copies the log into the file (a pull: by hand)
        self._closing = threading.Event()
        self._copier: threading.Thread | None = None  # makes an owed copy (checkpoint_soon)
        self._build(key)
        _OPEN[id(self)] = Path(path).resolve()
        weakref.finalize(self, _OPEN.pop, id(self), None)  # dropped without close()

    def session(self, *, durable: bool = True) -> Session:
        """A session for writes; ``durable=False``: its commits skip the fsync (``_begin``)."""
        return self._sessions() if durable else self._relaxed()

    def read_session(self) -> Session:
        """A session for queries only: its transaction begins deferred (see ``_begin``)."""
        return self._readers()

    def check_readable(self) -> None:
        """Fail fast with NotADatabase when the key or the file is wrong."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        except (exc.DBAPIError, sqlcipher.DatabaseError, MemoryError) as error:
            # MemoryError: SQLCipher's answer to a first page that fails authentication.
            self.close()  # an unreadable file is not held open (it may be restored over)
            raise translate(error) or NotADatabase(
                "The database file is damaged. It was left untouched; restore it from a backup."
            ) from error
        except BaseException:
            self.close()  # e.g. NotADatabase raised by the connection creator
            raise

    def raw_key(self) -> bytes:
        return self._key

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt every page under ``new_key`` (SQLCipher ``PRAGMA rekey``, one transaction:
        a crash leaves the file wholly under the old key or wholly under the new one). Works in
        WAL mode on SQLCipher 4.12 (tested); the WAL is checkpointed and truncated before and
        after, so no frame written under the old key stays in the folder. Sessions made after
        this call use the new key."""
        self.engine.dispose()  # pooled connections hold the old key
        conn = open_raw(self.path, self._key)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlcipher.DatabaseError as error:
            raise translate(error) or DataDirProblem(
                "The database could not be re-encrypted; it still uses its previous key."
            ) from error
        finally:
            conn.close()
        self._build(new_key)

    def _build(self, key: bytes) -> None:
        self._key = key
        self.engine = build_engine(self.path, key, checkpoints=self.checkpoints,
                                   **self._engine_options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._relaxed = sessionmaker(self.engine.execution_options(**{RELAXED: True}),
                                     expire_on_commit=False)
        # Same pool and events, deferred BEGIN; no autoflush, so a read never writes by accident.
        self._readers = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                     expire_on_commit=False, autoflush=False)

    def checkpoint(self) -> bool:
        """Copy what the log holds into the database file as far as readers allow (PASSIVE:
        waits for no one; a checkpoint already running elsewhere makes this one a no-op), outside
        any transaction (``storage.checkpoints``). Best effort: a copy that fails (busy, a full
        disk) leaves the pages in the log, where every reader finds them and the next copy takes
        them; False then."""
        conn = self.engine.raw_connection()
        try:
            conn.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return True
        except sqlcipher.DatabaseError:
            return False
        finally:
            conn.close()

    def checkpoint_soon(self) -> None:
        """``checkpoint`` now when no other thread's unit of work ran during the last
        ``Checkpoints.QUIET_S``, else owe it to a helper thread that makes it at the next pause
        of that length (``storage.checkpoints``: a copy beside a busy console on a disk stalls
        its commits). Call it as a background job of ``turns``, after its last transaction."""
        if not self.turns.busy(Checkpoints.QUIET_S):
            self.checkpoint()
            return
        if not self.checkpoints.owe():
            return  # the helper is waiting already
        self._copier = threading.Thread(target=self._copy_at_pause, daemon=True,
                                        name="checkpoint-at-pause")
        self._copier.start()

    def _copy_at_pause(self) -> None:
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            with self.turns.background():  # so that the console's units of work are counted
                # Polled: a pause is the absence of events, and one look costs a stat().
                while not self._closing.wait(0.05):
                    if self.turns.busy(Checkpoints.QUIET_S) and _size(wal) < \
                            Checkpoints.OWED_LIMIT_BYTES:
                        continue
                    self.checkpoint()
                    break
        finally:
            self.checkpoints.settle()

    def close(self) -> None:
        self._closing.set()  # an owed copy: SQLite makes it as the last connection closes
        copier = self._copier
        if copier is not None and copier is not threading.current_thread():
            copier.join(timeout=5)
        self.engine.dispose()
        _OPEN.pop(id(self), None)
