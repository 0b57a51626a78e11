"""Entry point for ``python main.py`` and the PyInstaller build."""

import multiprocessing
import sys

from facilitator.__main__ import main

if __name__ == "__main__":
    # The frozen build starts Verify's child process with this executable (verify_process).
    multiprocessing.freeze_support()
    sys.exit(main())
