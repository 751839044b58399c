"""A whole disagreement, raised to resolved under the LSCB procedure, for the record tests and the benchmark.

The two parties and the Board Manager carry Welsh, Polish and Urdu names, so every export
test also shows those names rendering.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from bot import due_work, moves, opening
from bot.directory import Directory
from bot.moves import AddNote, ConfirmResolution, Escalate, ProposeResolution
from bot.opening import OpenDispute
from bot.upkeep import load_directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at, directory_for

LSCB = read_policy("lscb")
CALENDAR = calendar_for(LSCB)

RAISER = "amara.okafor"
OTHER = "dc.jones"
BOARD_MANAGER = "partnership.board_manager"
OUTSIDER = "outsider"  # in the directory, in no dispute, in no partnership role
WELSH = "Siôn Llŷr"
POLISH = "Łucja Wiśniewska"
URDU = "عائشہ خان"

HOSTILE = (
    '#panic("typst ran this") *not bold* $x^2$ #let a = 1 <b>not bold</b> '
    '<script>alert("x")</script> [a link](http://example.invalid) `code` # heading \\ \\#'
)
NOTE = "Agreed to reconvene the strategy discussion on Thursday.\nSecond line: CSC will send the minutes."
REASON = "We could not agree at practitioner level; the child is still without a plan."
SECOND_REASON = "The representatives could not agree either; the policy question needs the Board Manager."
OUTCOME = "A new strategy discussion with CSC present, within 2 working days."
OUTSTANDING = "The police will review how strategy discussions are arranged, and report back in 4 weeks."
LEARNING = "Invite CSC to every strategy discussion; share the minutes the same day."
RAISER_SAYS = "I, Siôn, confirm the agreed outcome: the discussion will be reconvened with CSC."
OTHER_SAYS = "Łucja here: the police agree and will arrange it by Wednesday."


def people() -> Directory:
    """The LSCB test directory with the parties and the Board Manager renamed, plus an outsider."""
    base = directory_for(LSCB)
    renamed = {RAISER: WELSH, OTHER: POLISH, BOARD_MANAGER: URDU}
    folk = {pid: dataclasses.replace(p, name=renamed.get(pid, p.name)) for pid, p in base.people.items()}
    outsider = dataclasses.replace(base.people["ben.hughes"], id=OUTSIDER, name="Olly Outsider", email="olly@csc.example.gov.uk")
    folk[OUTSIDER] = dataclasses.replace(outsider, identities=())
    return Directory(agencies=base.agencies, people=folk)


@dataclass(frozen=True)
class Lifecycle:
    dispute_id: str
    reference: str
    resolved_at: datetime


def run_lifecycle(
    uow: SqlUnitOfWork, *, reference: str = "CSC-2026-0193", notes: int = 0, hostile: bool = True, note: str = NOTE
) -> Lifecycle:
    """open → note → escalate → timescale missed → escalate → propose → both confirm in their own words."""
    load_directory(people(), uow=uow)
    opened = opening.open_dispute(
        OpenDispute(
            raiser=RAISER,
            reference=reference,
            category=LSCB.categories[0],
            other_agency="police",
            other_person=OTHER,
            problem="The strategy discussion went ahead without CSC.",
            outcome="Reconvene the strategy discussion with CSC present.",
            discussed=True,
        ),
        uow=uow,
        policy=LSCB,
        calendar=CALENDAR,
        now=at(2026, 11, 23, 10, 0),
    )
    dispute_id = opened.dispute.id
    moves.add_note(AddNote(dispute_id=dispute_id, by=OTHER, text=note), uow=uow, now=at(2026, 11, 23, 11, 0))
    if hostile:
        moves.add_note(AddNote(dispute_id=dispute_id, by=RAISER, text=HOSTILE), uow=uow, now=at(2026, 11, 23, 11, 30))
    for i in range(notes):
        moves.add_note(
            AddNote(dispute_id=dispute_id, by=(RAISER, OTHER)[i % 2], text=f"Note {i + 1}: a call about the plan, and what was agreed."),
            uow=uow,
            now=at(2026, 11, 23, 12, 0),
        )
    moves.escalate(Escalate(dispute_id=dispute_id, by=RAISER, reason=REASON), uow=uow, policy=LSCB, calendar=CALENDAR, now=at(2026, 11, 23, 14, 0))
    # the line managers' five working days run out: Parley escalates on its own
    missed = due_work.escalate_overdue(uow=uow, policy=LSCB, calendar=CALENDAR, now=at(2026, 12, 1, 10, 0))
    assert [type(m).__name__ for m in missed] == ["Outcome"], missed
    moves.escalate(
        Escalate(dispute_id=dispute_id, by="csc.lscb_representative", reason=SECOND_REASON),
        uow=uow, policy=LSCB, calendar=CALENDAR, now=at(2026, 12, 2, 10, 0),
    )
    moves.propose_resolution(
        ProposeResolution(dispute_id=dispute_id, by=BOARD_MANAGER, agreed_outcome=OUTCOME, outstanding_issues=OUTSTANDING, learning_points=LEARNING),
        uow=uow,
        now=at(2026, 12, 3, 10, 0),
    )
    moves.confirm_resolution(ConfirmResolution(dispute_id=dispute_id, by=RAISER, statement=RAISER_SAYS), uow=uow, policy=LSCB, now=at(2026, 12, 3, 15, 0))
    resolved_at = at(2026, 12, 4, 9, 30)
    moves.confirm_resolution(ConfirmResolution(dispute_id=dispute_id, by=OTHER, statement=OTHER_SAYS), uow=uow, policy=LSCB, now=resolved_at)
    return Lifecycle(dispute_id, reference, resolved_at)
