"""A topic rendered as simple, escaped HTML for the library's detail pane."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication

from facilitator.services.curriculum.dto import TopicView


def _tr(text: str) -> str:
    return QCoreApplication.translate("curriculum", text)


def _para(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())


def _items(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def topic_html(t: TopicView) -> str:
    """Every field of the topic, headed, in reading order. All text is escaped."""
    meta = _tr("{module} · {minutes} min · version {version}").format(
        module=t.module_title, minutes=t.duration_min, version=t.version)
    if t.retired:
        meta += " · ⚠ " + _tr("retired")
    parts = [f"<h2>{escape(t.title)}</h2>", f"<p><i>{escape(meta)}</i></p>"]
    sections = [
        (_tr("Objectives"), _items(t.objectives)),
        (_tr("Key points"), _items(t.key_points)),
        (_tr("Activity"), _para(t.activity)),
        (_tr("Discussion prompts"), _items(t.discussion_prompts)),
        (_tr("Homework / practice"), _para(t.homework)),
        (_tr("Note-ready intervention phrases"), _items(t.intervention_phrases)),
        (_tr("Handout"), _para(t.handout)),
    ]
    for head, body in sections:
        if body and body != "<ul></ul>":
            parts.append(f"<h3>{escape(head)}</h3>{body}")
    return "".join(parts)
