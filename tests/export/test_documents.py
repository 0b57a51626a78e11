"""Rendered documents read back with pypdf, checked with qpdf and pdffonts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from facilitator.export import fonts, samples
from facilitator.export.disclosure_log import render_disclosure_log
from facilitator.export.furniture import WATERMARK
from facilitator.export.model import (
    PART2_SHORT_NOTICE,
    GoalDoc,
    NoteExportDoc,
    ParticipantRecordDoc,
    ProgramInfo,
    RenderResult,
    ReviewInfo,
    SafetyFlagDoc,
)
from facilitator.export.note import render_note
from facilitator.export.participant_record import render_participant_record
from facilitator.export.session_packet import render_session_packet

from .conftest import page_texts, placed_words

LATIN = samples.PEOPLE[0]


def _note(**kwargs) -> RenderResult:
    return render_note(samples.sample_note_export(**kwargs))


def _all_documents(program: ProgramInfo) -> dict[str, RenderResult]:
    return {
        "note": _note(program=program),
        "packet": render_session_packet(samples.sample_packet(3, program=program)),
        "record": render_participant_record(samples.sample_record(21, program=program)),
        "disclosures": render_disclosure_log(replace(samples.sample_disclosure_log(),
                                                     program=program)),
    }


def test_a_note_shows_every_required_field() -> None:
    doc = replace(samples.rich_note(), participant=LATIN)
    result = render_note(NoteExportDoc(samples.CLINIC, samples.META, doc))
    text = "\n".join(page_texts(result.pdf)).replace("\n", " ")
    expected = [
        samples.CLINIC.name, samples.CLINIC.address, LATIN.legal_name, LATIN.preferred_name,
        LATIN.chart_id, "Thu 12 Apr 1990", doc.program.name, doc.level_of_care,
        "Mon 2 Mar 2026", "09:00–12:00", "09:04–12:01", "09:12", "154 min", doc.service_code,
        doc.modality, doc.location, doc.attendance_status, *doc.facilitators,
        doc.late_entry_label, doc.addenda[0].reason, doc.safety_flags[0].message,
        *(s.title for s in doc.group_sections + doc.individual_sections),
        *(f"{s.measure}" for s in doc.scores), *(s.band for s in doc.scores),
        doc.goals[0].goal, doc.signatures[0].sha256[:16], doc.addenda[0].signatures[0].meaning,
        doc.review.status, doc.review.reviewer,
    ]
    missing = [e for e in expected if e not in text]
    assert not missing
    assert "not billable as a full day" in text


def test_the_clinic_address_is_on_the_first_page() -> None:
    first = page_texts(_note().pdf)[0]
    assert samples.CLINIC.address in first


def test_times_print_in_the_clinic_zone_whatever_zone_they_come_in() -> None:
    doc = samples.sample_note()
    utc = replace(doc, arrival=datetime(2026, 3, 2, 15, 12, tzinfo=UTC),
                  departure=datetime(2026, 3, 2, 17, 58, tzinfo=UTC))
    text = page_texts(render_note(NoteExportDoc(samples.CLINIC, samples.META, utc)).pdf)[0]
    assert "09:12" in text and "11:58" in text  # Chicago is UTC-6 on 2 March
    assert "15:12" not in text


@pytest.mark.parametrize("kind", ["note", "packet", "record", "disclosures"])
def test_every_page_says_page_x_of_y_and_carries_the_footer(kind: str) -> None:
    result = _all_documents(samples.SUD)[kind]
    pages = page_texts(result.pdf)
    assert result.pages == len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "CONFIDENTIAL" in text
        assert samples.META.exported_by in text
        assert "Thu 5 Mar 2026 14:02" in text  # the export time, in the clinic's zone


@pytest.mark.parametrize("kind", ["note", "packet", "record", "disclosures"])
def test_part2_notice_is_on_the_first_page_of_substance_use_exports_only(kind: str) -> None:
    sud = page_texts(_all_documents(samples.SUD)[kind].pdf)
    mh = page_texts(_all_documents(samples.MH)[kind].pdf)
    assert PART2_SHORT_NOTICE in sud[0]
    assert not any(PART2_SHORT_NOTICE in t for t in sud[1:])
    assert not any("42 CFR" in t for t in mh)


def test_a_programs_own_notice_text_replaces_the_short_form() -> None:
    program = ProgramInfo("Demo SUD", "sud", "Long statement (demo): redisclosure is limited.")
    first = page_texts(_note(program=program).pdf)[0]
    assert "Long statement (demo): redisclosure is limited." in first
    assert PART2_SHORT_NOTICE not in first


def test_watermark_is_on_exactly_the_pages_of_unsigned_notes() -> None:
    doc = samples.sample_packet(4)
    assert {n.signed for n in doc.notes} == {True, False}
    pages = page_texts(render_session_packet(doc).pdf)
    owner = {n.participant.chart_id: n.signed for n in doc.notes}
    for text in pages:
        charts = [c for c in owner if f"Chart {c}" in text]
        if not charts:  # cover and sign-in sheet
            assert WATERMARK not in text
            continue
        assert len(charts) == 1
        assert (WATERMARK in text) == (not owner[charts[0]])
    assert all(WATERMARK not in t for t in page_texts(_note(signed=True).pdf))
    assert all(WATERMARK in t for t in page_texts(_note(signed=False).pdf))


def test_a_single_note_names_no_other_participant() -> None:
    text = "\n".join(page_texts(_note(person=LATIN).pdf))
    for other in samples.PEOPLE[1:]:
        assert other.chart_id not in text
    for name in ("Élodie", "Quinn Placeholder", "Juniper Mockingbird", "Ярослава"):
        assert name not in text


def test_a_packet_has_cover_sign_in_sheet_and_each_note_from_a_new_page() -> None:
    doc = samples.sample_packet(5)
    pages = page_texts(render_session_packet(doc).pdf)
    assert "Session packet" in pages[0] and "Segments" in pages[0]
    assert "skipped" in pages[0] and "Urge surfing" in pages[0]
    assert "Sign-in sheet" in pages[1]
    starts = [i for i, t in enumerate(pages) if "Progress note (DAP)" in t]
    assert len(starts) == len(doc.notes)
    for i, note in zip(starts, doc.notes, strict=True):
        assert f"Chart {note.participant.chart_id}" in pages[i]


def test_every_script_renders_with_real_glyphs_and_embedded_fonts(pdf_tools) -> None:
    result = render_session_packet(samples.sample_packet(12))
    pdf_tools.check(result.pdf)
    assert fonts.FALLBACK in pdf_tools.fonts(result.pdf)  # CJK and Hangul drew from it
    assert result.replaced_characters == ()
    text = "\n".join(page_texts(result.pdf))
    for word in ("Élodie", "Ярослава", "Θεοδώρα", "山田", "花子", "张", "예시"):
        assert word in text
    assert fonts.REPLACEMENT not in text
    # Arabic letters were shaped: the PDF draws their joining forms (presentation forms).
    assert any("\ufe70" <= ch <= "\ufeff" for ch in text)
    assert all(ch in text for ch in "נעמה")


def test_an_unprintable_character_is_replaced_visibly_and_reported(pdf_tools) -> None:
    result = render_note(NoteExportDoc(samples.CLINIC, samples.META, samples.rich_note()))
    assert result.replaced_characters == (samples.UNCOVERED,)
    text = "\n".join(page_texts(result.pdf))
    assert fonts.REPLACEMENT in text
    assert samples.UNCOVERED not in text
    pdf_tools.check(result.pdf)


def test_markup_in_a_name_prints_literally() -> None:
    person = samples.PEOPLE[8]
    assert "<b>&" in person.legal_name
    text = page_texts(_note(person=person).pdf)[0]
    assert person.legal_name in text


@pytest.mark.slow
def test_a_100000_character_note_splits_across_pages(pdf_tools) -> None:
    words = " ".join(f"word{i:05d}" for i in range(9_000))  # one paragraph, no blank line
    long_text = f"{words} {'y' * (99_992 - len(words))} THE-END"  # and one very long "word"
    assert len(long_text) >= 100_000
    result = _note(note_text=long_text)
    pages = page_texts(result.pdf)
    assert len(pages) > 15
    assert "THE-END" in pages[-3] + pages[-2] + pages[-1]
    assert "word08999" in "".join(pages)
    pdf_tools.check(result.pdf)


def test_a_record_with_no_notes_and_no_ratings_still_renders() -> None:
    doc = replace(samples.sample_record(14), notes=(), trend=(), attendance=(), weekly_hours=())
    pages = page_texts(render_participant_record(doc).pdf)
    assert len(pages) == 1
    assert "No progress notes in this period." in pages[0]
    assert "No check-in ratings" in pages[0]


def test_a_record_range_ending_before_it_starts_is_refused() -> None:
    doc = samples.sample_record(14)
    with pytest.raises(ValueError, match="ends before it starts"):
        ParticipantRecordDoc(doc.clinic, doc.meta, doc.participant, doc.program,
                             date(2026, 3, 10), date(2026, 3, 1))


def test_the_disclosure_log_lists_every_release(pdf_tools) -> None:
    doc = samples.sample_disclosure_log()
    result = render_disclosure_log(doc)
    text = "\n".join(page_texts(result.pdf)).replace("\n", " ")
    for row in doc.rows:
        for value in (row.recipient, row.purpose, row.file_name, row.by):
            assert value in text
    empty = page_texts(render_disclosure_log(replace(doc, rows=())).pdf)[0]
    assert "No disclosures have been recorded" in empty
    pdf_tools.check(result.pdf)


def test_model_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(samples.sample_note(), arrival=datetime(2026, 3, 2, 9, 12))


def _line_of(words: list[tuple[float, float, str]], marker: str) -> list[str]:
    top = next(y for y, _, t in words if t == marker)
    return [t for y, _, t in sorted(w for w in words if abs(w[0] - top) < 2)]


def test_right_to_left_words_are_drawn_in_reading_order(tmp_path) -> None:
    # Logical: X «א ב» Y. On the page, left to right: X, «ב, א», Y (each word's glyphs drawn
    # left to right, so א» is the glyph א then »).
    result = _note(note_text="MARK X «א ב» Y. (שלום) end")
    line = _line_of(placed_words(result.pdf, tmp_path), "MARK")
    assert line == ["MARK", "X", "«ב", "א»", "Y.", "(םולש)", "end"]


def test_a_long_right_to_left_paragraph_wraps_before_it_is_reordered(tmp_path) -> None:
    words = [f"מילה{chr(0x05D0 + i % 22)}{chr(0x05D0 + i // 22)}" for i in range(60)]
    result = _note(note_text=" ".join(words))
    placed = [w for w in placed_words(result.pdf, tmp_path) if w[2][::-1] in words]
    assert len(placed) == len(words)
    lines = sorted({round(y) for y, _, _ in placed})
    assert len(lines) >= 3
    first = sorted((x, t[::-1]) for y, x, t in placed if round(y) == lines[0])
    last = sorted((x, t[::-1]) for y, x, t in placed if round(y) == lines[-1])
    # A wholly Hebrew paragraph: the first line holds the first words, read from the right.
    assert first[-1][1] == words[0]
    assert [t for _, t in reversed(first)] == words[:len(first)]
    assert last[0][1] == words[-1]


def test_a_word_that_changes_font_inside_a_shaped_paragraph_keeps_its_glyphs(tmp_path) -> None:
    # Arabic makes the paragraph shaped; "(花子)" then mixes DejaVu brackets and CJK glyphs in
    # one word, which ReportLab alone shapes with the wrong font (boxes, wild spacing).
    result = _note(note_text="MARK ليلى met 山田 (花子) and (김예시) today")
    line = _line_of(placed_words(result.pdf, tmp_path), "MARK")
    assert "(花子)" in line and "(김예시)" in line
    assert line[-1] == "today"


def test_a_release_names_its_purpose_on_every_page() -> None:
    meta = replace(samples.META, purpose="payer audit")
    doc = replace(samples.sample_packet(2), meta=meta)
    pages = page_texts(render_session_packet(doc).pdf)
    assert all("Released for: payer audit" in t.replace("\n", " ") for t in pages)
    assert not any("Released for" in t for t in page_texts(_note().pdf))


def test_a_long_list_of_facts_splits_between_rows_across_pages() -> None:
    facts = tuple((f"Item {i:03d}", f"answer {i:03d}") for i in range(240))
    doc = replace(samples.sample_note(), check_facts=facts)
    pages = page_texts(render_note(NoteExportDoc(samples.CLINIC, samples.META, doc)).pdf)
    text = "\n".join(pages)
    assert len(pages) >= 4
    assert all(f"Item {i:03d}" in text and f"answer {i:03d}" in text for i in range(240))


@pytest.mark.slow
def test_huge_free_text_in_tables_and_facts_splits_instead_of_failing() -> None:
    big = " ".join(f"w{i:05d}" for i in range(15_000)) + " LAST"  # about 100,000 characters
    doc = replace(samples.sample_note(),
                  goals=(GoalDoc("Reduce cravings", "progressing", big),),
                  safety_flags=(SafetyFlagDoc("Flag", big),),
                  check_facts=(("Mood (0–10)", "6"), ("Plan until next group", big)),
                  review=ReviewInfo("returned", "Alex Supervisorsen, LPC-S", None, big))
    pages = page_texts(render_note(NoteExportDoc(samples.CLINIC, samples.META, doc)).pdf)
    text = "".join(pages)
    assert text.count("LAST") == 4
    assert text.count("w14999") == 4
