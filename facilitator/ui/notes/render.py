"""Read-only HTML of a note's facts, text, signatures, addenda and reviews (for QTextBrowser).

Everything user-typed is escaped. Times show in the clinic's zone."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from facilitator.services.notes import NoteView, RevisionView, SignatureView

STATUS = {"present": "Present", "late": "Late", "left_early": "Left early", "absent": "Absent",
          "excused": "Excused", "telehealth": "Telehealth", "expected": "Not marked"}
STATE = {"none": "Not started", "draft": "Draft", "awaiting_cosign": "Awaiting co-signature",
         "final": "Signed"}
MEANING = {"author": "Signed by", "co-signer": "Co-signed by", "reviewer": "Reviewed by"}
DECISION = {"cosigned": "Co-signed", "returned": "Returned", "reviewed": "Reviewed",
            "addendum_requested": "Addendum requested"}


def _t(text: str) -> str:
    return QCoreApplication.translate("NoteRender", text)


def e(text: object) -> str:
    return html.escape(str(text)).replace("\n", "<br>")


def parse(value: str | None) -> datetime | None:
    """A canonical facts time ("2026-03-02T15:04:00Z") as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def hhmm(value: str | datetime | None, tz: ZoneInfo) -> str:
    when = parse(value) if isinstance(value, str) or value is None else value
    return f"{when.astimezone(tz):%H:%M}" if when else "—"


def when(value: datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz)
    return f"{local:%a %d %b %Y %H:%M}"


def fact_rows(facts: dict, tz: ZoneInfo) -> list[tuple[str, str]]:
    """(label, value) lines of the facts a note states, in reading order."""
    if not facts:
        return []
    ses, att, svc = facts["session"], facts["attendance"], facts["service"]
    rows = [
        (_t("Date"), f"{date.fromisoformat(ses['date']):%a %d %b %Y}"),
        (_t("Planned"), f"{hhmm(ses['planned_start'], tz)}–{hhmm(ses['planned_end'], tz)}"),
        (_t("Actual"), f"{hhmm(ses['actual_start'], tz)}–{hhmm(ses['actual_end'], tz)}"),
        (_t("Attendance"), _t(STATUS.get(att["status"], att["status"]))),
        (_t("Arrived / left"), f"{hhmm(att['arrived_at'], tz)} / {hhmm(att['departed_at'], tz)}"),
        (_t("Out of the room"), _t("{n} min").format(n=att["out_of_room_minutes"])),
        (_t("Minutes of service"), _t("{m} (daily minimum {d})").format(
            m=att["minutes"], d=att["daily_minimum"])),
        (_t("Service"), _t("{code} · {units} unit(s)").format(code=svc["code"] or "—",
                                                           units=svc["units"])),
        ("", svc["explanation"]),
        (_t("Modality / location"), f"{ses['modality'].replace('_', ' ')} · "
                                     f"{ses['location'] or '—'}"),
        (_t("Facilitators"), "; ".join(
            f"{f['name']}, {f['credentials']}" if f["credentials"] else f["name"]
            for f in facts["facilitators"]) or "—"),
    ]
    for t in facts.get("topics", []):
        rows.append((_t("Topic"), t["title"] + (f" ({t['module']})" if t.get("module") else "")))
    for label, key in ((_t("Check-in"), "checkin"), (_t("Check-out"), "checkout")):
        for q, a in facts.get(key, []):
            rows.append((f"{label}: {q}", a))
    for sc in facts.get("scores", []):
        rows.append((sc["measure"], f"{sc['total']} ({sc['band'] or '—'})"))
    for f in facts.get("flags", []):
        state = _t("addressed: ") + f["follow_up"] if f.get("addressed_at") else _t("OPEN")
        rows.append((_t("Safety flag"), f"{f['message']} — {state}"))
    return rows


def facts_html(facts: dict, tz: ZoneInfo) -> str:
    body = "".join(f"<tr><td style='padding-right:8px'><b>{e(k)}</b></td><td>{e(v)}</td></tr>"
                   for k, v in fact_rows(facts, tz))
    return f"<table cellspacing='2'>{body}</table>"


def signature_line(g: SignatureView, tz: ZoneInfo) -> str:
    who = f"{g.signer}, {g.credentials}" if g.credentials else g.signer
    return _t("{meaning} {who} ({role}) on {when} · SHA-256 {sha}…").format(
        meaning=_t(MEANING.get(g.meaning, g.meaning)), who=who, role=g.role,
        when=when(g.signed_at, tz), sha=g.sha256[:12])


def revision_title(r: RevisionView) -> str:
    """"Revision 2", and the number its signature covers where clinic sync renumbered it."""
    title = _t("Revision {n}").format(n=r.number)
    if r.signed_as is not None and r.signed_as != r.number:
        title += " " + _t("(signed as revision {n}; numbered anew by clinic sync)").format(
            n=r.signed_as)
    return title


def note_html(note: NoteView, tz: ZoneInfo, *, with_facts: bool = True,
              with_title: bool = True) -> str:
    """The whole note as a supervisor or records clerk reads it."""
    parts = [f"<h2>{e(note.display_name)} — {e(note.group_name)}, "
             f"{note.session_date:%a %d %b %Y}</h2>"] if with_title else []
    parts += [f"<p><b>{e(_t(STATE.get(note.state, note.state)))}</b> · {e(note.format)} · "
             f"{e(_t('Author'))}: {e(note.author)}</p>"]
    if note.late_entry and note.state != "draft":
        parts.append(f"<p><b>{e(note.late_entry)}</b></p>")
    if note.returned_comment:
        parts.append(f"<p style='color:#8a1c00'><b>{e(_t('Returned'))}:</b> "
                     f"{e(note.returned_comment)}</p>")
    if with_facts:
        parts.append(f"<h3>{e(_t('Facts'))}</h3>{facts_html(note.facts, tz)}")
    if note.kind == "session":
        parts.append(f"<h3>{e(_t('Group section'))}</h3>")
        for key, title in (("interventions", _t("Topics and interventions")),
                           ("process", _t("Group process"))):
            parts.append(f"<p><b>{e(title)}</b><br>{e(note.group_sections.get(key, ''))}</p>")
    parts.append(f"<h3>{e(_t('Individualized section'))}</h3>")
    for spec in note.sections_spec:
        parts.append(f"<p><b>{e(spec.title)}</b><br>{e(note.sections.get(spec.key, ''))}</p>")
    addressed = [g for g in note.goals if g.addressed]
    if addressed:
        parts.append(f"<h3>{e(_t('Goals addressed'))}</h3><ul>")
        parts.extend(f"<li>{e(g.text)} — <b>{e(g.rating)}</b>"
                     f"{(': ' + e(g.comment)) if g.comment else ''}</li>" for g in addressed)
        parts.append("</ul>")
    for key, label in (("clone", _t("Similar-text reason")), ("names", _t("Names reason"))):
        if note.justifications.get(key):
            parts.append(f"<p><i>{e(label)}: {e(note.justifications[key])}</i></p>")
    sigs = note.history[-1].signatures if note.history else ()
    if sigs:
        parts.append("<p>" + "<br>".join(e(signature_line(g, tz)) for g in sigs) + "</p>")
    for a in note.addenda:
        parts.append(f"<h3>{e(_t('Addendum'))} — {e(when(a.written_at, tz))}</h3>"
                     f"<p><b>{e(_t('Reason'))}:</b> {e(a.reason)}<br>{e(a.text)}</p>"
                     + "<p>" + "<br>".join(e(signature_line(g, tz)) for g in a.signatures)
                     + "</p>")
    if note.reviews:
        parts.append(f"<h3>{e(_t('Review'))}</h3><ul>")
        parts.extend(f"<li>{e(_t(DECISION.get(r.decision, r.decision)))} — {e(r.reviewer)}, "
                     f"{e(when(r.at, tz))}{(': ' + e(r.comment)) if r.comment else ''}</li>"
                     for r in note.reviews)
        parts.append("</ul>")
    earlier = [r for r in note.history[:-1] if r.signed_at is not None]
    if earlier:
        parts.append(f"<h3>{e(_t('Earlier revisions'))}</h3>")
        for r in earlier:
            parts.append(f"<p><b>{e(revision_title(r))}</b>"
                         + (f" — {e(_t('returned'))}: {e(r.returned_comment)}"
                            if r.returned_comment else "")
                         + "<br>" + "<br>".join(e(signature_line(g, tz)) for g in r.signatures)
                         + "</p>")
    return "".join(parts)
