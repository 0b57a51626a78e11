"""The test command mutmut runs for each mutant: pytest, with every failing exit mapped to 1.

mutmut 2.5 counts a mutant as killed only when the test command exits with 1. pytest exits 2
(interrupted), 3 (internal error), 4 (usage error, e.g. a mutant that breaks importing a
conftest) or 5 (no tests collected) for other failures, and mutmut would report all of those as
*survived*. Any non-zero exit here is a test run that did not pass, so it becomes 1.

pytest runs in this process (not a child) so that mutmut's timeout, which kills this process,
also stops a mutant stuck in an endless loop.
"""

from __future__ import annotations

import sys

import pytest


def main(argv: list[str]) -> int:
    try:
        code = pytest.main(argv)
    except BaseException:  # a mutant may break pytest itself: still a failed run
        return 1
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
