"""mutmut's hook file (mutmut imports ``mutmut_config`` from ``sys.path``; the driver puts this
folder there). It narrows a module's mutants to the functions the configuration names, so a
module such as ``storage/backup.py`` can be held to the goal for its manifest checks alone.

The driver passes the module's ``functions`` list in ``FACILITATOR_MUTATION_FUNCTIONS``; unset or
empty means the whole file. Mutants outside those functions are recorded as "skipped".
"""

from __future__ import annotations

import ast
import os
from functools import cache

_ENV = "FACILITATOR_MUTATION_FUNCTIONS"


@cache
def _spans(filename: str) -> tuple[tuple[str, int, int], ...]:
    """(qualified name, first line, last line) of every function, 1-based, decorators included."""
    with open(filename, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    found: list[tuple[str, int, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                if not isinstance(child, ast.ClassDef):
                    found.append((name, first, child.end_lineno or child.lineno))
                walk(child, f"{name}.")

    walk(tree, "")
    return tuple(found)


def in_scope(filename: str, line_number: int, functions: list[str]) -> bool:
    """Whether 1-based ``line_number`` lies in one of ``functions`` (``name`` or
    ``Class.method``)."""
    return any(
        name in functions and first <= line_number <= last
        for name, first, last in _spans(filename)
    )


def pre_mutation(context) -> None:  # type: ignore[no-untyped-def]  # mutmut's Context
    wanted = [f for f in os.environ.get(_ENV, "").split(",") if f]
    # mutmut numbers lines from 0.
    if wanted and not in_scope(context.filename, context.current_line_index + 1, wanted):
        context.skip = True
