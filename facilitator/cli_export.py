"""``facilitator export note|session|chart``: PDF exports for the chart from the command line.

    facilitator export note --user U --note-id N --out DIR
    facilitator export session --user U (--session-id N | --group NAME --date YYYY-MM-DD) --out DIR
    facilitator export chart --user U --participant CHART_ID --from D --to D --out DIR
    facilitator export disclosures --user U --participant CHART_ID --out DIR

A release outside the clinic adds ``--disclose-to RECIPIENT --purpose PURPOSE`` (recorded in the
participant's accounting of disclosures). Prints the file written; errors are one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .services import exports
from .services.workspace import Workspace

KINDS = ("note", "session", "chart", "disclosures")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parser(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser],
                                                                  None]) -> None:
    export = sub.add_parser("export", help="export notes, a session packet or a chart as PDF")
    common(export)
    export.add_argument("kind", choices=KINDS)
    export.add_argument("--user", required=True)
    export.add_argument("--out", type=Path, required=True, help="folder to write into")
    export.add_argument("--note-id", type=int)
    export.add_argument("--session-id", type=int)
    export.add_argument("--group", help="group name (with --date)")
    export.add_argument("--date", type=_day)
    export.add_argument("--participant", help="chart ID")
    export.add_argument("--from", dest="start", type=_day)
    export.add_argument("--to", dest="end", type=_day)
    export.add_argument("--disclose-to", dest="recipient",
                        help="a release outside the clinic: who receives it")
    export.add_argument("--purpose", help="why it is released (with --disclose-to)")


def run(args: argparse.Namespace, ws: Workspace, usage: Callable[[str], Exception]) -> str:
    """Run one export; returns the line to print. ``usage`` makes the CLI's usage error."""
    if (args.recipient is None) != (args.purpose is None):
        raise usage("a release needs both --disclose-to and --purpose")
    release = exports.Release(args.recipient, args.purpose) if args.recipient else None
    if args.kind == "note":
        if args.note_id is None:
            raise usage("export note needs --note-id")
        out = exports.export_note(ws, args.note_id, args.out, release=release)
    elif args.kind == "session":
        if args.session_id is not None:
            sid = args.session_id
        elif args.group and args.date:
            sid = exports.find_session(ws, args.group, args.date)
        else:
            raise usage("export session needs --session-id, or --group and --date")
        out = exports.export_session(ws, sid, args.out, release=release)
    elif args.kind == "chart":
        if not (args.participant and args.start and args.end):
            raise usage("export chart needs --participant, --from and --to")
        pid = exports.find_participant(ws, args.participant)
        out = exports.export_participant_record(ws, pid, args.start, args.end, args.out,
                                                release=release)
    else:
        if not args.participant:
            raise usage("export disclosures needs --participant")
        if release is not None:
            raise usage("the disclosure log itself is not released with --disclose-to")
        out = exports.export_disclosure_log(ws, exports.find_participant(ws, args.participant),
                                            args.out)
    line = f"Exported {out.path} ({out.pages} page{'s' if out.pages != 1 else ''})"
    if out.replaced_characters:
        line += (f"; {len(out.replaced_characters)} character(s) no font could draw were "
                 "printed as a visible mark")
    return line
