"""The rule that gives a note its workflow fields from its revisions, signatures and reviews
(``services.note_workflow.derive``), case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from facilitator.services.note_workflow import Header, Review, Revision, derive

T = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DRAFT = Header("draft", None, None, "")


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def test_a_first_draft() -> None:
    assert derive([Revision(1, 1, None)], [], DRAFT, True) == DRAFT


def test_signed_by_a_licensed_author_is_final_when_signed() -> None:
    signed = [Revision(1, 1, at(0), cosign_required=False)]
    assert derive(signed, [], DRAFT, True) == Header("final", at(0), at(0), "")


def test_signed_by_a_supervised_author_waits_until_co_signed() -> None:
    waiting = [Revision(1, 1, at(0), cosign_required=True)]
    assert derive(waiting, [], DRAFT, False) == Header("awaiting_cosign", at(0), None, "")
    cosigned = [Revision(1, 1, at(0), cosigned_at=at(30), cosign_required=True)]
    assert derive(cosigned, [], DRAFT, False) == Header("final", at(0), at(30), "")


def test_a_returned_note_is_a_draft_with_the_return_comment() -> None:
    revisions = [Revision(1, 1, at(0), cosign_required=True), Revision(2, 2, None)]
    returns = [Review(1, at(60), "Name the skill.")]
    assert derive(revisions, returns, DRAFT, False) == Header("draft", None, None,
                                                              "Name the skill.")
    # Answered by signing it again: the comment is gone, and the note waits again.
    revisions[1] = Revision(2, 2, at(90), cosign_required=True)
    assert derive(revisions, returns, DRAFT, False) == Header("awaiting_cosign", at(90), None,
                                                              "")


def test_the_comment_is_the_highest_returned_revisions_whatever_lies_between() -> None:
    """A note merged from two laptops: revision 1 returned on one, 2 signed on the other, the
    returned draft on top. Two returns of one revision (two laptops): the later one's."""
    revisions = [Revision(7, 1, at(0), cosign_required=True),
                 Revision(8, 2, at(5), cosign_required=True), Revision(9, 3, None)]
    returns = [Review(7, at(60), "First."), Review(7, at(70), "Second.")]
    assert derive(revisions, returns, DRAFT, False).returned_comment == "Second."
    returns.append(Review(8, at(65), "On the other one."))
    assert derive(revisions, returns, DRAFT, False).returned_comment == "On the other one."
    # Order of the records does not matter; the number does.
    assert derive(list(reversed(revisions)), list(reversed(returns)), DRAFT,
                  False).returned_comment == "On the other one."


def test_the_top_revision_decides_not_the_newest() -> None:
    revisions = [Revision(1, 2, at(0), cosign_required=True),
                 Revision(2, 1, at(10), cosign_required=False)]
    assert derive(revisions, [], DRAFT, False) == Header("awaiting_cosign", at(0), None, "")


def test_the_stated_fact_outweighs_the_note_and_the_author_today() -> None:
    """Uma's licence needed co-signature when she signed; an admin has since lifted it, and
    the note as this laptop holds it names another laptop's signing."""
    revisions = [Revision(1, 1, at(0), cosign_required=True)]
    elsewhere = Header("final", at(-5), at(-5), "")
    assert derive(revisions, [], elsewhere, False).state == "awaiting_cosign"


def test_a_revision_signed_before_the_fact_was_stated() -> None:
    """The note's own fields stand where they name that signing; else the author's licence as
    it is now."""
    old = [Revision(1, 1, at(0))]
    assert derive(old, [], Header("final", at(0), at(0), ""), True).state == "final"
    assert derive(old, [], Header("awaiting_cosign", at(0), None, ""), False).state == (
        "awaiting_cosign")
    assert derive(old, [], Header("final", at(-5), at(-5), ""), True).state == (
        "awaiting_cosign")
    assert derive(old, [], DRAFT, False) == Header("final", at(0), at(0), "")
