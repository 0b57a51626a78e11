"""The unit of work every service takes: an unlocked data folder, the signed-in user, a clock.

One public service call is one transaction (``Workspace.transaction``). Driver and storage errors
are turned into ``StorageProblem`` with a message safe to show.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from ..clock import Clock
from ..storage.engine import Database, translate
from ..storage.errors import StorageError
from ..storage.vault import Vault
from .errors import Conflict, PermissionDenied, StorageProblem

# Triggers (migration 0006) refuse changes to signed notes and to the facts they state with a
# message starting with this marker.
SIGNED_MARKER = "facilitator: signed"
SIGNED_LOCKED = ("A signed note covers this: the facts it states (times, attendance, answers, "
                 "segments, topics) and its text can no longer change. Nothing was changed. "
                 "Record the correction as an addendum to the note, with its reason.")
DAMAGED = ("The database could not be read: it may be damaged. Nothing was changed. Run"
           " 'verify' and restore from a backup if it reports a problem.")


@dataclass(frozen=True)
class Actor:
    user_id: int
    login: str
    display_name: str
    credentials: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def signature_name(self) -> str:
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


@dataclass(frozen=True)
class LoginRenamed:
    """Clinic sync gave this user a new login (``services.sync.clashes``): ``login`` is hers
    now; ``old`` was also given to another person on another laptop at the same time. The
    window words it (translated there); logins are no PHI."""

    login: str
    old: str


@dataclass
class Workspace:
    vault: Vault
    db: Database
    clock: Clock
    actor: Actor
    timezone: ZoneInfo
    # The signed-in user's key-slot private key and its fingerprint (format-2 slots): clinic
    # sync opens new sync keys sealed to this user with it (``services.sync.epochs``). In
    # memory only, like the data key the open database holds.
    slot_private: bytes | None = field(default=None, repr=False)
    slot_fingerprint: str = ""
    # What the user is told once at sign-in: clinic sync renamed her login (or None).
    login_renamed: LoginRenamed | None = None

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Session]:
        """One write unit of work: ``BEGIN IMMEDIATE``, committed when the block ends; this
        process's write transactions take turns (``storage.turns``). ``durable=False`` only
        for what can be fetched again (a pull's slices): the commit skips its fsync, so a
        power cut may undo it whole; any later durable commit puts it on disk too."""
        # The turn ends with the commit, before the session gives its connection back: what
        # runs then (a pull's cache handed back, ``storage.engine``) keeps nobody waiting.
        with self.db.turns.foreground(), \
                self._mapped_errors(self.db.session(durable=durable)) as session, \
                self.db.turns.turn(), session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only unit of work for query services: a deferred transaction that takes no
        write lock (WAL readers and the writer proceed together) and is always rolled back.
        Adding or changing rows inside it is a programming error and raises."""
        with self.db.turns.foreground(), self._mapped_errors(self.db.read_session()) as session:
            session.begin()
            try:
                yield session
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("a read-only unit of work tried to change rows")
            finally:
                # Detach first: a rollback expires what was loaded, and query services (like
                # ``transaction``'s callers, expire_on_commit=False) may read rows after the block.
                session.expunge_all()
                session.rollback()

    def today(self) -> date:
        """The clinic's calendar date now."""
        return self.clock.now().astimezone(self.timezone).date()

    @contextmanager
    def _mapped_errors(self, session: Session) -> Iterator[Session]:
        """Close ``session`` at the end and turn driver errors into messages safe to show."""
        try:
            yield session
        except StorageError as error:
            raise StorageProblem(str(error)) from error
        except (sa_exc.OperationalError, sa_exc.DatabaseError) as error:
            if SIGNED_MARKER in str(error.orig):
                raise Conflict(SIGNED_LOCKED) from error
            mapped = translate(error)
            if mapped is None:
                raise
            raise StorageProblem(str(mapped)) from error
        except MemoryError as error:
            # SQLCipher reports a page that fails authentication as SQLITE_NOMEM.
            raise StorageProblem(DAMAGED) from error
        finally:
            session.close()

    def require(self, *roles: str) -> None:
        if self.actor.role not in roles:
            raise PermissionDenied(
                f"Your role ({self.actor.role}) cannot do this; ask an {' or '.join(roles)}."
            )

    def close(self) -> None:
        self.db.close()
