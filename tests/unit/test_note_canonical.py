"""The canonical signed content: stable bytes, a pinned digest, and the pure note checks."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.services.notes import canonical, checks, units

FIXED = canonical.note_document(
    note_id=7, revision=1, kind="session", format_name="DAP", session_id=3, participant_id=11,
    facts={"attendance": {"minutes": 175, "arrived_at": datetime(2026, 3, 2, 15, 4,
                                                                  tzinfo=UTC)},
           "session": {"date": date(2026, 3, 2)}, "sleep": 7.5},
    content={"sections": {"data": "Zoë said “calm”.\r\nSecond line."}},
    late_entry="", version=canonical.LOCAL_IDS_FORM)


def test_known_answer() -> None:
    # Pinned: a change of the canonical form (key order, separators, NFC, time format) would
    # make every stored signature read as tampered after an upgrade. Bump FORM_VERSION instead.
    # The expected bytes are written out by hand from the rules in canonical.py's docstring.
    expected = ('{"content":{"sections":{"data":"Zo\u00eb said \u201ccalm\u201d.\\nSecond line."}},'
                '"facts":{"attendance":{"arrived_at":"2026-03-02T15:04:00Z","minutes":175},'
                '"session":{"date":"2026-03-02"},"sleep":"7.5"},"kind":"session",'
                '"late_entry":"","note":{"format":"DAP","id":7,"participant_id":11,'
                '"revision":1,"session_id":3},"v":1}').encode("utf-8")
    assert canonical.canonical_bytes(FIXED) == expected
    assert canonical.content_hash(FIXED) == hashlib.sha256(expected).hexdigest() == (
        "b40ca81f94bcd3ce3424b793f904115d362403e3cd29bf8a2aca89a3526f2696")


def test_form_2_names_rows_by_global_id() -> None:
    # Form 1 above stays pinned (its signatures must keep verifying); form 2 differs only in
    # its version and in naming the note, session and participant by their global ids.
    doc = canonical.note_document(
        note_id="0190a1b2-0000-7000-8000-000000000007", revision=1, kind="session",
        format_name="DAP", session_id="0190a1b2-0000-7000-8000-000000000003",
        participant_id="0190a1b2-0000-7000-8000-000000000011", facts={}, content={},
        late_entry="")
    assert canonical.FORM_VERSION == 2
    assert canonical.canonical_bytes(doc) == (
        b'{"content":{},"facts":{},"kind":"session","late_entry":"","note":{"format":"DAP",'
        b'"id":"0190a1b2-0000-7000-8000-000000000007",'
        b'"participant_id":"0190a1b2-0000-7000-8000-000000000011","revision":1,'
        b'"session_id":"0190a1b2-0000-7000-8000-000000000003"},"v":2}')


def test_equal_content_in_other_shapes_hashes_equal() -> None:
    other_zone = datetime(2026, 3, 2, 9, 4, tzinfo=timezone(timedelta(hours=-6)))
    same = canonical.note_document(
        note_id=7, revision=1, kind="session", format_name="DAP", session_id=3,
        participant_id=11,
        facts={"sleep": 7.5, "session": {"date": "2026-03-02"},
               "attendance": {"arrived_at": other_zone, "minutes": 175}},
        content={"sections": {"data": "Zoe\u0308 said “calm”.\nSecond line."}},  # NFD, LF
        late_entry="", version=canonical.LOCAL_IDS_FORM)
    assert canonical.content_hash(same) == canonical.content_hash(FIXED)


def test_naive_datetimes_and_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError):
        canonical.normalise({"at": datetime(2026, 3, 2, 9)})
    with pytest.raises(TypeError):
        canonical.normalise({"x": object()})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20)


@given(json_values)
def test_normalising_is_idempotent_so_stored_facts_verify(value) -> None:
    once = canonical.normalise(value)
    assert canonical.normalise(once) == once
    assert canonical.content_hash({"x": once}) == canonical.content_hash({"x": value})


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=6))
def test_key_order_never_changes_the_hash(sections) -> None:
    reordered = dict(reversed(list(sections.items())))
    assert canonical.content_hash({"s": sections}) == canonical.content_hash({"s": reordered})


def test_units_never_round_up() -> None:
    assert units.units_for("per_diem", 180, 180).units == 1
    below = units.units_for("per_diem", 179, 180)
    assert below.units == 0 and "not billable as a full day" in below.explanation
    assert units.units_for("per_15_min", 44, 180).units == 2
    assert units.units_for("per_15_min", 45, 180).units == 3
    assert units.units_for("per_session", 0, 180).units == 0
    assert units.units_for("per_session", 1, 180).units == 1
    with pytest.raises(ValueError):
        units.units_for("hourly", 60, 180)


def test_clone_check_ignores_own_names_and_short_text() -> None:
    a = checks.normalise_text("Ada practised paced breathing and named two triggers at work "
                              "and home today.", ["Ada"])
    b = checks.normalise_text("BEN practised paced breathing, and named two triggers at work "
                              "and home today!", ["Ben"])
    assert checks.is_clone(a, b) == (True, 1.0)
    short_a, short_b = checks.normalise_text("Continue IOP."), checks.normalise_text("Continue")
    assert checks.is_clone(short_a, short_b)[0] is False
    different = checks.normalise_text("Ben was quiet, left early for a family matter and "
                                      "agreed to call tomorrow morning.")
    clone, score = checks.is_clone(a, different)
    assert not clone and score < checks.CLONE_THRESHOLD


def test_name_check_whole_words_any_case_any_script() -> None:
    found = checks.find_names({"data": "Spoke with BEN after group; benign affect. נועה too."},
                              {"Ben", "נועה"})
    assert sorted(f.name for f in found) == ["BEN", "נועה"]
    assert checks.name_candidates("Ada Example", "Addie") == {"Ada Example", "Ada", "Addie"}


def test_group_section_draft_from_topics_and_their_phrases() -> None:
    from facilitator.services.notes.prefill import interventions_text

    text = interventions_text([
        {"title": "TIPP", "module": "Distress tolerance",
         "phrases": ["Taught temperature and paced breathing", "Rehearsed in pairs."]},
        {"title": "Free-text topic", "module": "", "phrases": []}])
    assert text == ("TIPP (Distress tolerance): Taught temperature and paced breathing. "
                    "Rehearsed in pairs.\nFree-text topic.")
