"""Mutation testing of the core modules (issue 14): run mutmut per module, print the table.

    .venv/bin/python scripts/mutation.py                  # every module in mutation/config.toml
    .venv/bin/python scripts/mutation.py --module keys    # one module (repeatable)
    .venv/bin/python scripts/mutation.py --report         # the table from the last runs only
    .venv/bin/python scripts/mutation.py --survivors      # also print each surviving mutant

Each module keeps its own mutmut cache in ``mutation/.cache/`` (not committed): a rerun tests
only the mutants that were not killed before (mutmut retests survivors when a test file changes),
so a mutant killed once is not run again. ``--fresh`` starts a module from scratch: do that
before quoting figures after tests were removed or weakened. (mutmut 2.5 matches earlier results
by a line's text, so mutants on repeated lines were never retested; the driver forgets those
results before each rerun, see ``_forget_repeated_lines``.)

mutmut 2.5 mutates the source file *in place* and restores it afterwards; do not run other tests
of this worktree meanwhile. A run that was killed hard can leave ``<file>.bak`` behind: the next
run puts it back first.

The score is killed / (generated - listed equivalent): generated counts the mutants in scope
(``functions`` narrows a module), killed includes timeouts (a mutant that hangs the tests is
caught). Exit status 1 when a module is below the goal or has untested mutants.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "mutation"
CACHE_DIR = HERE / ".cache"
MUTMUT_CACHE = ROOT / ".mutmut-cache"
FUNCTIONS_ENV = "FACILITATOR_MUTATION_FUNCTIONS"
# mutmut's statuses; a timeout means the mutant hung the tests, which a run would notice.
KILLED = {"ok_killed", "ok_suspicious", "bad_timeout"}
SURVIVED = "bad_survived"
SKIPPED = "skipped"
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Module:
    name: str
    paths: tuple[str, ...]  # one file, or the files of a module split by feature
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mutant:
    line_number: int  # 1-based
    original: str
    mutated: str
    status: str
    path: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.original.strip(), self.mutated.strip())


@dataclass(frozen=True)
class Row:
    module: str
    generated: int
    killed: int
    survived: int
    equivalent: int
    untested: int

    @property
    def score(self) -> float:
        judged = self.generated - self.equivalent
        return self.killed / judged if judged else 1.0


def load_config() -> tuple[float, list[Module]]:
    data = tomllib.loads((HERE / "config.toml").read_text("utf-8"))
    modules = [
        Module(m["name"], tuple(m["paths"]) if "paths" in m else (m["path"],),
               tuple(m["tests"]), tuple(m.get("functions", ())),
               tuple(m.get("pytest_args", ())))
        for m in data["module"]
    ]
    return float(data.get("goal", 0.9)), modules


def load_equivalents() -> dict[str, dict[tuple[str, str], str]]:
    """module name → {(original line, mutated line): reason}, lines stripped."""
    data = tomllib.loads((HERE / "equivalent.toml").read_text("utf-8"))
    found: dict[str, dict[tuple[str, str], str]] = {}
    for entry in data.get("mutant", []):
        key = (entry["line"].strip(), entry["becomes"].strip())
        found.setdefault(entry["module"], {})[key] = entry["reason"]
    return found


def _cache_of(module: Module) -> Path:
    return CACHE_DIR / f"{module.name}.sqlite"


def _restore_leftover(path: Path) -> None:
    backup = path.with_name(path.name + ".bak")
    if backup.exists():
        print(f"restoring {path} from a mutation run that was interrupted")
        os.replace(backup, path)


def _forget_repeated_lines(cache: Path) -> None:
    """mutmut 2.5 looks up a mutant's earlier result by the line's *text* (then the first line
    with that text): a mutant on the second of two identical lines (``return False``,
    ``@dataclass(frozen=True)``) inherits the first one's "killed" and is never retested, so a
    survivor there that new tests kill would still show as survived. Forgetting the results of
    every repeated line makes the next run test them again (a handful of mutants)."""
    with contextlib.closing(sqlite3.connect(cache)) as db, db:
        db.execute(
            "DELETE FROM Mutant WHERE line IN (SELECT l.id FROM Line l JOIN"
            " (SELECT sourcefile, line FROM Line GROUP BY sourcefile, line HAVING count(*) > 1)"
            " d ON l.sourcefile = d.sourcefile AND l.line = d.line)")


def run_module(module: Module, *, fresh: bool) -> None:
    sources = [ROOT / path for path in module.paths]
    for source in sources:
        _restore_leftover(source)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    MUTMUT_CACHE.unlink(missing_ok=True)
    if _cache_of(module).exists() and not fresh:
        shutil.copyfile(_cache_of(module), MUTMUT_CACHE)
        _forget_repeated_lines(MUTMUT_CACHE)
    runner = shlex.join([sys.executable, str(HERE / "run_pytest.py"), *PYTEST_ARGS,
                         *module.pytest_args, *module.tests])
    # ROOT first: the tests import the mutated file whatever the editable install points at.
    path = [str(ROOT), str(HERE), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join(filter(None, path)))
    env[FUNCTIONS_ENV] = ",".join(module.functions)
    mutmut = Path(sys.executable).with_name("mutmut")
    print(f"== {module.name}: mutating {', '.join(module.paths)}", flush=True)
    try:
        # mutmut exits non-zero whenever a mutant survives; the table below tells the outcome.
        subprocess.run([str(mutmut), "run", "--paths-to-mutate", ",".join(module.paths),
                        "--tests-dir", "tests", "--runner", runner, "--no-progress"],
                       cwd=ROOT, env=env, check=False)
    finally:
        for source in sources:
            _restore_leftover(source)
        if MUTMUT_CACHE.exists():
            shutil.move(MUTMUT_CACHE, _cache_of(module))


def _mutated_line(path: Path, source: str, line: str, index: int, line_number: int) -> str:
    from mutmut import Context, RelativeMutationID, mutate

    context = Context(source=source, filename=str(path),
                      mutation_id=RelativeMutationID(line, index, line_number))
    mutated, count = mutate(context)
    if not count:
        return "?"
    before, after = source.split("\n"), mutated.split("\n")
    if len(before) == len(after):
        return after[line_number]
    added = [d[2:] for d in difflib.ndiff(before, after) if d.startswith("+ ")]
    return " / ".join(added) or "(line removed)"


def read_mutants(module: Module) -> list[Mutant] | None:
    """The module's mutants from its cache, or None when it has never been run."""
    cache = _cache_of(module)
    if not cache.exists():
        return None
    mutants = []
    for name in module.paths:
        path = ROOT / name
        source = path.read_text("utf-8")
        lines = source.split("\n")
        with sqlite3.connect(cache) as db:
            rows = db.execute(
                'SELECT l.line, l.line_number, m."index", m.status FROM Mutant m'
                " JOIN Line l ON m.line = l.id JOIN SourceFile f ON l.sourcefile = f.id"
                " WHERE f.filename = ? ORDER BY l.line_number, m.\"index\"",
                (name,),
            ).fetchall()
        for line, line_number, index, status in rows:
            current = line_number < len(lines) and lines[line_number] == line
            if not current:
                continue  # a line that has since changed: the next run tests it afresh
            mutated = _mutated_line(path, source, line, index, line_number)
            mutants.append(Mutant(line_number + 1, line, mutated, status, name))
    return mutants


def tally(module: Module, mutants: list[Mutant],
          equivalents: dict[tuple[str, str], str]) -> tuple[Row, list[Mutant], list[Mutant]]:
    """The table row, the unexplained survivors, and listed equivalents that were killed."""
    in_scope = [m for m in mutants if m.status != SKIPPED]
    killed = [m for m in in_scope if m.status in KILLED]
    survived = [m for m in in_scope if m.status == SURVIVED]
    untested = [m for m in in_scope if m.status not in KILLED and m.status != SURVIVED]
    listed = [m for m in survived if m.key in equivalents]
    stale = [m for m in killed if m.key in equivalents]
    row = Row(module.name, len(in_scope), len(killed), len(survived), len(listed),
              len(untested))
    return row, [m for m in survived if m.key not in equivalents], stale


def print_table(rows: list[Row]) -> None:
    head = ("module", "generated", "killed", "survived", "equivalent-listed", "score")
    body = [(r.module, str(r.generated), str(r.killed), str(r.survived), str(r.equivalent),
             f"{100 * r.score:.1f} %") for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for cells in body:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--module", action="append", default=[],
                        help="only this module (name from mutation/config.toml); repeatable")
    parser.add_argument("--report", action="store_true", help="do not run, only report")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument("--survivors", action="store_true",
                        help="print every survivor that is not listed as equivalent")
    args = parser.parse_args(argv)
    goal, modules = load_config()
    unknown = set(args.module) - {m.name for m in modules}
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    chosen = [m for m in modules if not args.module or m.name in args.module]
    if not args.report:
        for module in chosen:
            run_module(module, fresh=args.fresh)
    equivalents = load_equivalents()
    rows, failing = [], False
    for module in chosen:
        mutants = read_mutants(module)
        if mutants is None:
            print(f"{module.name}: never run")
            failing = True
            continue
        listed = equivalents.get(module.name, {})
        row, survivors, stale = tally(module, mutants, listed)
        for original, mutated in sorted(set(listed) - {m.key for m in mutants}):
            print(f"{module.name}: equivalent.toml lists a mutant this run did not make (the line"
                  f" changed?): {original} -> {mutated}")
        rows.append(row)
        failing |= row.score < goal or row.untested > 0
        if row.untested:
            print(f"{module.name}: {row.untested} mutants not tested yet (run interrupted?)")
        for m in stale:
            print(f"{module.name}: listed as equivalent but killed, remove it from "
                  f"equivalent.toml: {Path(m.path).name} line {m.line_number}:"
                  f" {m.mutated.strip()}")
        if args.survivors:
            for m in survivors:
                where = (f"{module.name}:{Path(m.path).name}:{m.line_number}"
                         if len(module.paths) > 1 else f"{module.name}:{m.line_number}")
                print(f"{where}: {m.original.strip()}\n{' ' * (len(where) + 2)}"
                      f"{m.mutated.strip()}")
    print()
    print_table(rows)
    print(f"\ngoal: {100 * goal:.0f} % of non-equivalent mutants killed in every module")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
