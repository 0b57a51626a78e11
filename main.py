"""Entry point for ``python main.py`` and the PyInstaller build."""

import sys

from facilitator.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
