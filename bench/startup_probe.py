"""A child process for start-up and memory figures: ``bare``, ``login`` or ``roster``.

Prints the resident memory in MB once the window is on screen, then quits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import psutil


def _report_and_quit(app: object) -> None:
    print(psutil.Process().memory_info().rss / 2**20, flush=True)
    app.quit()  # type: ignore[attr-defined]


def main(mode: str, data: Path) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    if mode == "bare":
        app = QApplication(sys.argv)
        w = QWidget()
        w.show()
        QTimer.singleShot(0, lambda: _report_and_quit(app))
        return app.exec()
    from facilitator.ui.app import bench_start

    return bench_start(data, open_roster=(mode == "roster"), on_shown=_report_and_quit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
