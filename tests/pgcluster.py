"""A throw-away PostgreSQL cluster in a temp folder, for the sync tests (tests/pg.py) and the
sync benchmark (bench/sync_bench.py). No pytest here.

Debian's server binaries (``/usr/lib/postgresql/N/bin``; ``scripts/install-system-deps.sh``
installs them) refuse to run as root, so as root the cluster is created and run as user
``postgres`` in a temp folder it owns; its socket lives there too and TCP is off.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from facilitator.storage.hub import admin

TEMPLATE = "hub_template"
_names = itertools.count(1)


class PgUnavailable(Exception):
    """No PostgreSQL server binaries, or the cluster would not start (the text says why)."""


def pg_bin() -> Path | None:
    override = os.environ.get("FACILITATOR_PG_BIN")
    if override:
        return Path(override)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    bin: Path

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"host={self.host} port={self.port} dbname={dbname} user={user}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), autocommit=True)

    def new_database(self, template: str = TEMPLATE, *, file_copy: bool = False) -> str:
        """``file_copy``: copy the template's files rather than log every page (PostgreSQL
        15's default), several times faster for a small template on a cluster without fsync."""
        name = f"t{os.getpid()}_{next(_names)}"
        strategy = " STRATEGY FILE_COPY" if file_copy else ""
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}{strategy}")
        return name

    def laptop_role(self, dbname: str) -> str:
        """A new device login role (trust authentication on the private socket)."""
        role = f"laptop_{os.getpid()}_{next(_names)}"
        admin.add_laptop(self.dsn(dbname), role)
        return role


def _as_postgres(root: Path) -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    import pwd

    pw = pwd.getpwnam("postgres")
    os.chown(root, pw.pw_uid, pw.pw_gid)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _give_to_postgres(folder: Path, who: dict[str, object]) -> None:
    if not who:
        return
    for path in (folder, *folder.rglob("*")):
        os.chown(path, who["user"], who["group"])  # type: ignore[arg-type]
    folder.chmod(0o700)


@contextmanager
def temporary_cluster(*, durable: bool = False, options: str = "",
                      files: dict[str, bytes] | None = None, port: int | None = None,
                      saved: Path | None = None, keep: Path | None = None
                      ) -> Iterator[Cluster]:
    """A running cluster with an initialised hub in database ``hub_template``, removed at the
    end. ``durable``: keep PostgreSQL's fsync on (benchmarks); tests turn it off for speed.
    ``files`` are written into the cluster's folder (owned by the server, mode 0600; e.g. a TLS
    key and certificate) and ``options`` (server ``-c`` options, ``{root}`` standing for that
    folder) are added, e.g. to listen on TCP with TLS; ``port`` replaces the default one.
    ``saved``: start from a copy of a data directory kept earlier instead of a new one (the
    benchmark's cached hub). ``keep``: after a clean shutdown, copy the data directory there."""
    bindir = pg_bin()
    if bindir is None or not (bindir / "pg_ctl").exists():
        raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: install"
                            " Debian's 'postgresql' (scripts/install-system-deps.sh does) or set"
                            " FACILITATOR_PG_BIN; the sync tests need a real PostgreSQL.")
    root = Path(tempfile.mkdtemp(prefix="facilitator-pg-"))
    who = _as_postgres(root)
    data = root / "data"

    def run(*args: str) -> None:
        done = subprocess.run(args, cwd=root, capture_output=True, text=True, check=False,
                              **who)  # type: ignore[arg-type]
        if done.returncode:
            raise PgUnavailable(f"{Path(args[0]).name} failed: "
                                f"{done.stderr.strip() or done.stdout.strip()}")

    fast = "" if durable else " -c fsync=off -c full_page_writes=off"
    for name, content in (files or {}).items():
        path = root / name
        path.write_bytes(content)
        path.chmod(0o600)
        if who:
            os.chown(path, who["user"], who["group"])  # type: ignore[arg-type]
    extra = (" " + options.format(root=root)) if options else ""
    try:
        if saved is None:
            run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E",
                "UTF8", "--locale=C", "--no-sync")
        else:
            shutil.copytree(saved, data)
            _give_to_postgres(data, who)
        port = port or 54000 + os.getpid() % 1000  # the socket is private to ``root``
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
            f"-k {root} -p {port} -c listen_addresses=''{fast}{extra}", "start")
        cluster = Cluster(str(root), port, bindir)
        if saved is None:
            with cluster.admin() as conn:
                conn.execute(f"CREATE DATABASE {TEMPLATE}")
            admin.init(cluster.dsn(TEMPLATE))
        yield cluster
        if keep is not None:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
            shutil.copytree(data, keep)
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       cwd=root, capture_output=True, check=False, **who)  # type: ignore[arg-type]
        shutil.rmtree(root, ignore_errors=True)
