"""Shared set-up for the screenshot scripts: offscreen Qt, the output folder, a fast scratch
vault and ``shoot``. The scripts build fictional data in a temporary folder, never real data.

    make screenshots
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from facilitator.storage.device import NoDeviceSecrets  # noqa: E402
from facilitator.storage.keys import KdfParams  # noqa: E402
from facilitator.storage.vault import Vault  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)  # screenshots, not security
PASSWORD = "demo password 1"


def app() -> QApplication:
    instance = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(instance, QApplication)
    instance.setStyle("Fusion")
    OUT.mkdir(parents=True, exist_ok=True)
    return instance


def scratch_vault(folder: Path) -> Vault:
    return Vault(folder, device=NoDeviceSecrets(), kdf=FAST)


def shoot(qapp: QApplication, widget: QWidget, name: str, size: QSize | None = None) -> None:
    if size is not None:
        widget.resize(size)
    widget.show()
    for _ in range(3):
        qapp.processEvents()
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(path.relative_to(ROOT))
