"""Screenshots of the curriculum pages (offscreen): the library browser, the rotation plan editor
and the presenter view, written to docs/screenshots/. The fictional demo clinic in a temporary
folder with a fake clock, twelve weeks of generated history, plans and deliveries.

    .venv/bin/python scripts/screenshots_curriculum.py
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import shots

from facilitator.clock import FakeClock
from facilitator.services.console.demo_history import add_history
from facilitator.services.curriculum import library
from facilitator.services.curriculum.demo import add_plans_and_deliveries
from facilitator.services.demo import create_demo
from facilitator.ui.curriculum.curriculum_page import CurriculumPage
from facilitator.ui.curriculum.presenter import PresenterWindow


def main() -> int:
    app = shots.app()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
        vault = shots.scratch_vault(Path(tmp) / "data")
        ws, _ = create_demo(vault, clock, "demo password 1")
        rng = random.Random(5)
        add_history(ws, weeks=12, rng=rng)
        add_plans_and_deliveries(ws, rng)

        page = CurriculumPage(ws)
        page.resize(1360, 820)
        page.show()
        lib = page.library
        lib.search.setText("urge")
        shots.shoot(app, page, "curriculum-library")

        page.tabs.setCurrentWidget(page.plans)
        page.plans.grid.setCurrentIndex(page.plans.grid_model.index(0, 0))
        shots.shoot(app, page, "curriculum-plan")

        page.tabs.setCurrentWidget(page.coverage)
        shots.shoot(app, page, "curriculum-coverage")

        presenter = PresenterWindow()
        presenter.resize(1280, 720)
        presenter.show_topic(library.get_topic(ws, library.search_topics(ws, "urge")[0].key))
        presenter.show()
        shots.shoot(app, presenter, "presenter")
        presenter.close()
        page.close()
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
