"""The thread's wording for each event, before any platform's markup (messages/text.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.events import (
    DisputeEscalated,
    DisputeOpened,
    DisputeResolved,
    FormalChallengeLodged,
    NoteAdded,
    PersonUnreachable,
    ResolutionProposed,
    StageStarted,
)
from bot.plan import thread_lines
from messages.text import DisputeView, Mention, Names, PersonView, Said, Strong, event_text, joined, line_text, party

AT = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
AMARA = PersonView("amara", "Amara <Okafor>", "Children's Social Care")
BEN = PersonView("ben", "Ben *Hughes*", "Children's Social Care", "line manager")
SANA = PersonView("sana", "DS Sana Khan", "West Yorkshire Police")
NAMES = Names(
    people={p.id: p for p in (AMARA, BEN, SANA)},
    stages={"practitioners": "Practitioners", "managers": "Line managers"},
    agencies={"csc": "Children's Social Care", "police": "West Yorkshire Police"},
)


def view(**changes) -> DisputeView:
    fields = dict(
        id="d1", version=1, reference="CSC-1", category="Threshold", status="Open", active=True,
        awaiting_confirmation=False, raiser=AMARA, other=SANA, other_agency="West Yorkshire Police",
        other_description="", stage_number=1, stage_count=3, stage_name="Practitioners", stage_guidance="Talk first.",
        deadline=AT, deadline_missed=False, immediate_risk=False, formal_challenge=False, asked=(BEN,), flags=(),
        waiting_for=(), proposal=None, opened_at=AT, closed_at=None, procedure="Test procedure",
    )  # fmt: skip
    fields.update(changes)
    return DisputeView(**fields)


def opened(actor: str | None = "amara", **changes) -> DisputeOpened:
    fields = dict(
        dispute_id="d1", at=AT, actor=actor, reference="CSC-1", category="Threshold <b>", raiser="amara",
        raiser_agency="csc", other="sana", other_agency="police", problem="No strategy meeting.", cause="",
        outcome="A meeting today.", discussed=True, immediate_risk=False,
    )  # fmt: skip
    fields.update(changes)
    return DisputeOpened(**fields)


def words_of(line) -> str:
    """The line as someone reads it, with no markup."""
    return "".join(p if isinstance(p, str) else p.person.name if isinstance(p, Mention) else p.text for p in line)


def test_every_line_starts_with_who_acted_and_for_which_agency():
    said = event_text(opened(), view(), NAMES)
    assert said.lines[0][:4] == (Strong("Amara <Okafor>"), " (", Said("Children's Social Care"), ")")
    assert said.summary == "Amara <Okafor> (Children's Social Care) raised a disagreement (CSC-1)"


def test_parley_is_named_when_it_acted_on_its_own():
    event = DisputeEscalated("d1", AT, None, "practitioners", "managers", "", True, ("ben", "sana"))
    said = event_text(event, view(), NAMES)
    assert said.lines[0][0] == Strong("Parley")
    assert words_of(said.lines[0]) == (
        "Parley escalated this from Practitioners to Line managers: the timescale ran out. "
        "It was waiting on Ben *Hughes* and DS Sana Khan."
    )
    assert said.fields == ()
    assert said.summary == "Parley escalated this to Line managers"


def test_peoples_words_are_never_parleys_own_words():
    said = event_text(opened(category="<!channel> *x*", immediate_risk=True), view(), NAMES)
    bare = [p for p in said.lines[0] if isinstance(p, str)]
    assert all("channel" not in p and "Okafor" not in p for p in bare)
    assert Strong("<!channel> *x*") in said.lines[0]
    assert said.fields == (("What the problem is", "No strategy meeting."), ("Outcome needed", "A meeting today."))
    assert said.notes == (("Discussed with the other professional first: yes",),)
    assert said.alert.startswith("A child may be at immediate risk")


def test_a_new_stage_mentions_each_person_asked_and_shows_its_guidance_and_flags():
    event = StageStarted("d1", AT, "amara", "practitioners", "Practitioners", AT, (("ben", "raiser", "csc", "line_manager"),), ("No lead found.",))
    said = event_text(event, view(), NAMES)
    assert said.lines[1] == ("Asked to act: ", Mention(BEN), " (", Said("line manager"), ", ", Said("Children's Social Care"), ")", ".")
    assert said.notes == ((Said("Talk first."),),)
    assert said.warnings == ("No lead found.",)


def test_a_note_is_shown_in_full_without_a_label():
    said = event_text(NoteAdded("d1", AT, "ben", "Called <@U1>."), view(), NAMES)
    assert said.words == "Called <@U1>."
    assert said.fields == ()


def test_empty_parts_of_a_proposal_read_none():
    event = ResolutionProposed("d1", AT, "amara", "raiser", "Meet today.", "", "")
    said = event_text(event, view(waiting_for=("West Yorkshire Police",)), NAMES)
    assert [text for _, text in said.fields] == ["Meet today.", "(none)", "(none)"]
    assert words_of(said.notes[0]) == "Waiting for written confirmation from West Yorkshire Police."


def test_the_resolution_is_marked_as_such():
    event = DisputeResolved("d1", AT, "sana", "a", "", "", "board_manager", "partnership")
    said = event_text(event, view(), NAMES)
    assert said.resolved
    assert said.notes == ()  # no learning points, no line about where they go


def test_the_learning_line_says_the_once_and_only_when_there_are_learning_points():
    event = DisputeResolved("d1", AT, "sana", "a", "", "Guidance on neglect is unclear.", "board_manager", "the relevant LSCB sub-group")
    said = event_text(event, view(), NAMES)
    assert words_of(said.notes[0]) == "Learning points go to the board manager for the relevant LSCB sub-group."


def test_an_event_that_is_not_a_move_has_no_line():
    event = PersonUnreachable("d1", AT, None, "ben", "csc", "slack", "gone")
    assert event_text(event, view(), NAMES) is None


def test_parties_and_lists_read_as_plain_english():
    assert words_of(party(None, "duty sergeant", "Police")) == "duty sergeant, Police"
    assert words_of(party(SANA, "", "Other")) == "DS Sana Khan (West Yorkshire Police)"
    assert joined([("a",), ("b",), ("c",)], last=" and ") == ("a", ", ", "b", " and ", "c")
    assert joined([]) == ()


def test_an_escalation_and_the_stage_it_moves_to_are_one_line_in_the_thread() -> None:
    escalated = DisputeEscalated("d1", AT, "amara", "practitioners", "managers", "No reply.", False, ("ben",))
    started = StageStarted("d1", AT, "amara", "managers", "Line managers", AT, (("ben", "raiser", "csc", "line_manager"),), ())
    challenge = FormalChallengeLodged("d1", AT, "amara", stage_id="managers")
    note = NoteAdded("d1", AT, "sana", text="Seen.")
    # numbered by their first event, as the messages' keys are; a stage started on its own keeps its own line
    assert thread_lines([escalated, started, challenge]) == ((0, (escalated, started)), (2, (challenge,)))
    assert thread_lines([note, started]) == ((0, (note,)), (1, (started,)))

    line = line_text((escalated, started), view(stage_name="Line managers"), NAMES)
    assert line is not None and [part.lines[0][4] for part in line.parts] == [" escalated this from ", " started "]
    assert line.parts[0].fields == (("Reason", "No reply."),)  # the reason stays with the escalation, before the new stage
    assert line.summary == "Amara <Okafor> (Children's Social Care) escalated this to Line managers, due by Mon 2 Nov 2026, 10:00"
    noted = line_text((note,), view(), NAMES)
    assert noted is not None and noted.summary == "DS Sana Khan (West Yorkshire Police) added a note"
