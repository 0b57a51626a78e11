"""``python -m facilitator``: the app with no command, the CLI with one."""

from __future__ import annotations

import sys

from . import cli


def main() -> int:
    argv = sys.argv[1:]
    if any(arg in cli.COMMANDS for arg in argv) or any(a in ("-h", "--help", "--version")
                                                     for a in argv):
        return cli.main(argv)
    args = cli.build_parser().parse_args(argv)
    from .ui.app import run_gui  # Qt is imported only when the GUI is wanted

    return run_gui(args.data_dir, args.no_keyring)


if __name__ == "__main__":
    sys.exit(main())
