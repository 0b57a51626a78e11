"""Note formats and their sections (pure data).

Every format lays out the same individualized content (presentation, participation, response to
the interventions, progress toward the participant's own goals, risk, plan) under its own
headings. The group section (topics and interventions, group process) is shared by the session
and is the same in every format. An absence note has its own two sections.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    hint: str
    required: bool = True


FORMATS: dict[str, tuple[SectionSpec, ...]] = {
    "DAP": (
        SectionSpec("data", "Data", "What the participant said and did today: presentation, "
                    "participation, what they shared."),
        SectionSpec("assessment", "Assessment", "Response to today's interventions, progress "
                    "toward their goals, risk."),
        SectionSpec("plan", "Plan", "Next steps until the next group: skills to practise, "
                    "referrals, follow-up."),
    ),
    "BIRP": (
        SectionSpec("behavior", "Behavior", "Presentation and participation: what you observed "
                    "and what they reported."),
        SectionSpec("intervention", "Intervention", "What you did with this participant today "
                    "(skills taught, prompts, support)."),
        SectionSpec("response", "Response", "How they responded; progress toward their goals; "
                    "risk."),
        SectionSpec("plan", "Plan", "Next steps until the next group."),
    ),
    "SOAP": (
        SectionSpec("subjective", "Subjective", "What the participant reported, in their words "
                    "where useful."),
        SectionSpec("objective", "Objective", "What you observed: presentation, affect, "
                    "participation."),
        SectionSpec("assessment", "Assessment", "Response to treatment, progress toward their "
                    "goals, risk."),
        SectionSpec("plan", "Plan", "Next steps until the next group."),
    ),
    "GIRP": (
        SectionSpec("goals", "Goals", "Which of their treatment-plan goals today's work "
                    "addressed."),
        SectionSpec("intervention", "Intervention", "What you did with this participant today."),
        SectionSpec("response", "Response", "How they responded; progress; risk."),
        SectionSpec("plan", "Plan", "Next steps until the next group."),
    ),
}

ABSENCE: tuple[SectionSpec, ...] = (
    SectionSpec("reason", "Reason for absence", "What is known about why they were absent "
                "(reported by them, by phone, unknown)."),
    SectionSpec("outreach", "Outreach", "Contact attempted or made, and the plan.",
                required=False),
)

GROUP: tuple[SectionSpec, ...] = (
    SectionSpec("interventions", "Topics and interventions", "What was taught and how: shared "
                "by every note of this session."),
    SectionSpec("process", "Group process", "Themes and dynamics of the group today, without "
                "naming anyone.", required=False),
)


def sections_for(format_name: str, kind: str = "session") -> tuple[SectionSpec, ...]:
    """The individualized sections of a note of this format (or of an absence note)."""
    if kind == "absence":
        return ABSENCE
    try:
        return FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown note format {format_name!r}") from None


# Every individualized section key of every format and of absence notes: text typed under one
# format survives a switch to another.
ALL_SECTION_KEYS: frozenset[str] = frozenset(
    spec.key for specs in (*FORMATS.values(), ABSENCE) for spec in specs)
