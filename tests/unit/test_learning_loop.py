"""The learning loop's core decisions (bot/plan.py) and the record's words for the new entry kinds."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from bot import plan
from bot.directory import PARTNERSHIP, Directory, Membership, Person
from bot.learning import CaseReviewPrompted, LearningGiven
from bot.policy import LearningRouting
from bot.record import entry_for
from bot.record_view import Names as _Names, entry_fields as _fields
from bot.retention import LegalHoldPlaced, LegalHoldReleased
from handlers.files import read_policy
from messages.export import words
from messages.learning import Summary, summary_lines
from messages.record import describe_entry

AT = datetime(2040, 11, 5, 10, 0, tzinfo=timezone.utc)
POLICY = dataclasses.replace(
    read_policy("bradford"), learning=LearningRouting(tell=("chair",), procedure_owner="board_manager")
)


def _people(*people: tuple[str, tuple[str, ...]]) -> Directory:
    return Directory(
        people={pid: Person(pid, pid.title(), f"{pid}@example.gov.uk", (Membership(PARTNERSHIP, frozenset(roles)),)) for pid, roles in people}
    )


def _answer(unclear: bool) -> LearningGiven:
    return LearningGiven("d1", AT, "amara", learning_points="Ring first.", debrief_wanted=True, procedure_unclear=unclear, themes=("Recording",))


def test_an_answer_is_told_to_the_learning_role_and_the_roles_named_once_each_and_unclear_to_the_owner() -> None:
    people = _people(("bm", ("board_manager",)), ("both", ("board_manager", "chair")), ("clerk", ("clerk",)))
    told = plan.learning_told(_answer(unclear=True), dataclasses.replace(POLICY, partnership_roles=(*POLICY.partnership_roles, "chair", "clerk")), people)
    summaries = [d.person_id for d in told.direct if d.tell is plan.Tell.LEARNING_SUMMARY]
    assert sorted(summaries) == ["bm", "both"]  # 'both' holds two told roles: one summary
    assert sorted(d.person_id for d in told.direct if d.tell is plan.Tell.PROCEDURE_UNCLEAR) == ["bm", "both"]
    assert not told.channels
    quiet = plan.learning_told(_answer(unclear=False), POLICY, people)
    assert all(d.tell is plan.Tell.LEARNING_SUMMARY for d in quiet.direct)


def test_the_summary_has_only_the_ending_stage_themes_and_the_two_answers() -> None:
    lines = summary_lines(Summary("Bradford procedure", "closed unresolved", "Step 6", ("Recording",), True, False))
    assert lines == [
        "Procedure: Bradford procedure",
        "How it ended: closed unresolved, at the stage 'Step 6'",
        "Themes: Recording",
        "A debrief would help: Yes",
        "The procedure itself was unclear: No",
    ]


def test_learning_case_review_and_legal_hold_entries_have_their_own_words_on_the_record_and_in_the_export() -> None:
    people = _people(("amara", ()))
    events = [
        _answer(unclear=True),
        CaseReviewPrompted("d1", AT, "amara"),
        LegalHoldPlaced("d1", AT, None, by_name="Records officer", reason="Court order 12."),
        LegalHoldReleased("d1", AT, None, by_name="Records officer", reason="Order lifted."),
    ]
    entries = [entry_for(e, n) for n, e in enumerate(events, 1)]
    text = [describe_entry(e, directory=people, policy=POLICY) for e in entries]
    assert text[0] == [
        "Amara gave learning points: Ring first.",
        "A debrief would help: Yes",
        "The procedure itself was unclear: Yes",
        "Themes: Recording",
    ]
    assert text[1] == ["Amara was asked to consider a multi-agency case review (the procedure asks for this when a disagreement stays unresolved)."]
    assert text[2] == ["Records officer placed a legal hold: nothing in this record may be purged. Reason: Court order 12."]
    assert text[3] == ["Records officer released the legal hold. Reason: Order lifted."]

    names = _Names(people, POLICY)
    assert _fields(entries[0], names) == (
        ("learning_points", "Ring first."), ("debrief_wanted", True), ("procedure_unclear", True), ("themes", ("Recording",))
    )  # fmt: skip
    assert _fields(entries[2], names) == (("by_name", "Records officer"), ("reason", "Court order 12."))
    for entry in entries:
        assert entry.kind in words.KINDS
        for key, _value in _fields(entry, names):
            assert key in words.FIELDS
    assert words.field_value("debrief_wanted", True) == "yes" and words.field_value("themes", ("Recording", "Other")) == "Recording; Other"
