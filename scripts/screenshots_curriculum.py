"""Screenshots of the curriculum pages (offscreen): the library browser, the rotation plan editor
and the presenter view, written to docs/screenshots/. The fictional demo clinic in a temporary
folder with a fake clock, twelve weeks of generated history, plans and deliveries.

    .venv/bin/python scripts/screenshots_curriculum.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from facilitator.clock import FakeClock  # noqa: E402
from facilitator.services.console.demo_history import add_history  # noqa: E402
from facilitator.services.curriculum import library  # noqa: E402
from facilitator.services.curriculum.demo import add_plans_and_deliveries  # noqa: E402
from facilitator.services.demo import create_demo  # noqa: E402
from facilitator.storage.device import NoDeviceSecrets  # noqa: E402
from facilitator.storage.keys import KdfParams  # noqa: E402
from facilitator.storage.vault import Vault  # noqa: E402
from facilitator.ui.curriculum.curriculum_page import CurriculumPage  # noqa: E402
from facilitator.ui.curriculum.presenter import PresenterWindow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def shoot(app: QApplication, widget: QWidget, name: str) -> None:
    for _ in range(3):
        app.processEvents()
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(path.relative_to(ROOT))


def main() -> int:
    app = QApplication(sys.argv)
    app.setStyle("Fusion")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
        vault = Vault(Path(tmp) / "data", device=NoDeviceSecrets(), kdf=FAST)
        ws, _ = create_demo(vault, clock, "demo password 1")
        rng = random.Random(5)
        add_history(ws, weeks=12, rng=rng)
        add_plans_and_deliveries(ws, rng)

        page = CurriculumPage(ws)
        page.resize(1360, 820)
        page.show()
        lib = page.library
        lib.search.setText("urge")
        shoot(app, page, "curriculum-library")

        page.tabs.setCurrentWidget(page.plans)
        page.plans.grid.setCurrentIndex(page.plans.grid_model.index(0, 0))
        shoot(app, page, "curriculum-plan")

        page.tabs.setCurrentWidget(page.coverage)
        shoot(app, page, "curriculum-coverage")

        presenter = PresenterWindow()
        presenter.resize(1280, 720)
        presenter.show_topic(library.get_topic(ws, library.search_topics(ws, "urge")[0].key))
        presenter.show()
        shoot(app, presenter, "presenter")
        presenter.close()
        page.close()
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
