from __future__ import annotations

import dataclasses

import pytest

from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.policy import Sides
from bot.routing import Assignee, Routing, Side, who_must_act
from tests.unit.factories import four_stage_policy, make_policy, make_stage

POLICY = four_stage_policy()
PRACTITIONERS, LINE_MANAGERS, SAFEGUARDING_LEADS, HEADS_OF_SERVICE = range(4)

CSC = "Bradford Children's Social Care"
HEALTH = "Bradford District Care NHS Foundation Trust"


def member(agency: str, *roles: str, lm: str | None = None) -> Membership:
    return Membership(agency, frozenset(roles), lm)


def person(person_id: str, name: str, *memberships: Membership) -> Person:
    return Person(
        id=person_id,
        name=name,
        email=f"{person_id}@example.org.uk",
        memberships=memberships,
        identities=(Identity("slack", "T01BDSCP", f"U-{person_id}"),),
    )


def bradford() -> Directory:
    """Two agencies and the partnership. Dr Patel leads a health team and is also a safeguarding lead in CSC."""
    people = [
        person("amara.okafor", "Amara Okafor", member("csc", lm="ben.hughes")),
        person("ben.hughes", "Ben Hughes", member("csc", lm="carol.shah")),
        person("carol.shah", "Carol Shah", member("csc", "safeguarding_lead", lm="dev.rao")),
        person("dev.rao", "Dev Rao", member("csc", "head_of_service")),
        person("hana.ali", "Hana Ali", member("health", lm="dr.patel")),
        person(
            "dr.patel",
            "Dr Priya Patel",
            member("health", lm="gill.ford"),
            member("csc", "safeguarding_lead", lm="dev.rao"),
        ),
        person("gill.ford", "Gill Ford", member("health", "safeguarding_lead", lm="ed.moss")),
        person("ed.moss", "Ed Moss", member("health", "head_of_service")),
        person("pat.board", "Pat Board", member(PARTNERSHIP, "board_manager")),
    ]
    return Directory(
        agencies={
            "csc": Agency("csc", CSC),
            "health": Agency("health", HEALTH),
            PARTNERSHIP: Agency(PARTNERSHIP, "BDSCP Business Unit"),
        },
        people={p.id: p for p in people},
    )


def changed(directory: Directory, *people: Person, without: tuple[str, ...] = ()) -> Directory:
    """A copy of `directory` with these people replaced or added, and the `without` ids removed."""
    everyone = {**directory.people, **{p.id: p for p in people}}
    return Directory(dict(directory.agencies), {k: v for k, v in everyone.items() if k not in without})


AMARA = Side("csc", "amara.okafor")
HANA = Side("health", "hana.ali")


def route(stage: int, raiser: Side = AMARA, other: Side = HANA, directory: Directory | None = None) -> Routing:
    return who_must_act(POLICY, directory or bradford(), stage, raiser, other)


# Each stage, both sides.


def test_practitioners_act_for_both_sides_at_the_first_stage():
    routing = route(PRACTITIONERS)

    assert routing.assignees == (
        Assignee("amara.okafor", "raiser", "csc", "practitioner"),
        Assignee("hana.ali", "other", "health", "practitioner"),
    )
    assert routing.flags == ()


def test_each_partys_line_manager_acts_at_the_second_stage():
    routing = route(LINE_MANAGERS)

    assert routing.people("raiser") == ("ben.hughes",)
    assert routing.people("other") == ("dr.patel",)
    assert routing.flags == ()


def test_every_safeguarding_lead_in_each_agency_acts_at_the_third_stage():
    routing = route(SAFEGUARDING_LEADS)

    assert routing.people("raiser") == ("carol.shah", "dr.patel")
    assert routing.people("other") == ("gill.ford",)
    assert routing.people("partnership") == ()
    assert routing.flags == ()


def test_heads_of_service_and_the_board_manager_act_at_the_fourth_stage():
    routing = route(HEADS_OF_SERVICE)

    assert routing.assignees == (
        Assignee("dev.rao", "raiser", "csc", "head_of_service"),
        Assignee("ed.moss", "other", "health", "head_of_service"),
        Assignee("pat.board", "partnership", PARTNERSHIP, "board_manager"),
    )
    assert routing.people() == ("dev.rao", "ed.moss", "pat.board")


# Routing up a tier.


def test_routes_to_head_of_service_when_no_one_holds_safeguarding_lead():
    directory = changed(bradford(), person("gill.ford", "Gill Ford", member("health", lm="ed.moss")))

    routing = route(SAFEGUARDING_LEADS, directory=directory)

    assert routing.people("other") == ("ed.moss",)
    assert routing.assignees[-1] == Assignee(
        "ed.moss", "other", "health", "head_of_service", substitute_for="safeguarding_lead"
    )
    assert routing.flags == (
        f"No one in {HEALTH} holds the role safeguarding lead; their head of service is asked instead.",
    )


def test_routes_up_when_the_line_manager_is_the_other_party():
    # Hana challenges a decision Dr Patel made in CSC, and Dr Patel is also Hana's line manager in health.
    routing = route(LINE_MANAGERS, raiser=HANA, other=Side("csc", "dr.patel"))

    assert routing.assignees == (
        Assignee("gill.ford", "raiser", "health", "safeguarding_lead", substitute_for="line_manager"),
        Assignee("dev.rao", "other", "csc", "line_manager"),
    )
    assert routing.flags == (
        "Hana Ali's line manager, Dr Priya Patel, is a party to this disagreement (conflict of interest), "
        f"so cannot act for {HEALTH}; their safeguarding lead is asked instead.",
    )


def test_a_party_in_one_agency_does_not_act_as_safeguarding_lead_in_the_other():
    routing = route(SAFEGUARDING_LEADS, raiser=AMARA, other=Side("health", "dr.patel"))

    assert routing.people("raiser") == ("carol.shah",)
    assert routing.people("other") == ("gill.ford",)
    assert not routing.may_act("dr.patel")
    assert routing.flags == ()


def test_routes_up_when_the_only_safeguarding_lead_is_a_party():
    directory = changed(bradford(), person("carol.shah", "Carol Shah", member("csc", lm="dev.rao")))

    routing = route(SAFEGUARDING_LEADS, raiser=AMARA, other=Side("health", "dr.patel"), directory=directory)

    assert routing.people("raiser") == ("dev.rao",)
    assert routing.flags == (
        f"The only safeguarding lead in {CSC} is a party to this disagreement; their head of service is asked instead.",
    )


def test_flags_a_person_who_acts_for_both_agencies():
    patel = person(
        "dr.patel",
        "Dr Priya Patel",
        member("health", "safeguarding_lead", lm="gill.ford"),
        member("csc", "safeguarding_lead", lm="dev.rao"),
    )

    routing = route(SAFEGUARDING_LEADS, directory=changed(bradford(), patel))

    assert routing.people("raiser") == ("carol.shah", "dr.patel")
    assert routing.people("other") == ("dr.patel", "gill.ford")
    assert routing.people() == ("carol.shah", "dr.patel", "gill.ford")
    assert routing.flags == (
        f"Dr Priya Patel acts for both agencies ({CSC} and {HEALTH}); consider asking someone else.",
    )


def test_asks_the_safeguarding_lead_when_the_other_party_is_known_only_as_an_agency():
    agency_only = Side("health", None)

    first = route(PRACTITIONERS, other=agency_only)
    second = route(LINE_MANAGERS, other=agency_only)

    assert first.assignees == (
        Assignee("amara.okafor", "raiser", "csc", "practitioner"),
        Assignee("gill.ford", "other", "health", "safeguarding_lead", substitute_for="practitioner"),
    )
    assert first.flags == (
        f"The other party in {HEALTH} is known only as the agency, so there is no practitioner to ask; "
        "there is no line manager who can act either, so their safeguarding lead is asked instead.",
    )
    assert second.people("other") == ("gill.ford",)
    assert second.assignees[-1].substitute_for == "line_manager"


def test_routes_up_when_the_party_has_no_line_manager():
    directory = changed(bradford(), person("amara.okafor", "Amara Okafor", member("csc")))

    routing = route(LINE_MANAGERS, directory=directory)

    assert routing.people("raiser") == ("carol.shah", "dr.patel")
    assert all(a.substitute_for == "line_manager" for a in routing.assignees if a.side == "raiser")
    # Dr Patel, stepping in as a CSC safeguarding lead, is also Hana's line manager in health.
    assert routing.flags == (
        f"Amara Okafor has no line manager listed in {CSC}; their safeguarding lead is asked instead.",
        f"Dr Priya Patel acts for both agencies ({CSC} and {HEALTH}); consider asking someone else.",
    )


def test_routes_up_when_the_line_manager_is_not_in_the_directory():
    routing = route(LINE_MANAGERS, directory=changed(bradford(), without=("ben.hughes",)))

    assert routing.people("raiser") == ("carol.shah", "dr.patel")
    assert routing.flags[0].startswith("Amara Okafor's line manager (ben.hughes) is not in the directory;")


def test_routes_up_when_the_party_is_not_in_the_directory():
    routing = route(PRACTITIONERS, other=Side("health", "locum.nurse"))

    assert routing.people("other") == ("gill.ford",)
    assert routing.flags[0].startswith(
        f"locum.nurse is not in the directory, so there is no practitioner to ask in {HEALTH};"
    )


def test_asks_the_board_manager_when_no_one_in_the_agency_can_act():
    directory = changed(bradford(), without=("gill.ford", "ed.moss"))

    routing = route(SAFEGUARDING_LEADS, directory=directory)

    assert routing.people("other") == ()
    assert routing.assignees[-1] == Assignee(
        "pat.board", "partnership", PARTNERSHIP, "board_manager", substitute_for="safeguarding_lead"
    )
    assert routing.flags == (
        f"No one in {HEALTH} holds the role safeguarding lead; there is no head of service who can act either, "
        f"so the board manager (BDSCP Business Unit) is asked to act for {HEALTH} instead.",
    )


def test_tells_the_partnership_when_nobody_anywhere_can_act():
    directory = changed(bradford(), without=("gill.ford", "ed.moss", "pat.board"))

    at_leads = route(SAFEGUARDING_LEADS, directory=directory)
    at_heads = route(HEADS_OF_SERVICE, directory=directory)

    assert at_leads.people("other") == () and at_leads.people("partnership") == ()
    assert at_leads.flags == (
        f"No one in {HEALTH} holds the role safeguarding lead; there is no head of service who can act either, "
        f"so nobody can act for {HEALTH}, and the partnership must be told.",
    )
    assert at_heads.people() == ("dev.rao",)
    assert at_heads.flags == (
        f"No one in {HEALTH} holds the role head of service; "
        f"nobody can act for {HEALTH}, and the partnership must be told.",
        "No one in BDSCP Business Unit holds the role board manager.",
    )


# Questions asked of a routing.


def test_says_who_may_act_and_for_which_side():
    routing = route(HEADS_OF_SERVICE)

    assert routing.may_act("dev.rao") and routing.may_act("pat.board")
    assert not routing.may_act("amara.okafor")
    assert routing.side_of("dev.rao") == "raiser"
    assert routing.side_of("ed.moss") == "other"
    assert routing.side_of("pat.board") == "partnership"
    assert routing.side_of("amara.okafor") is None


def test_orders_assignees_by_side_then_role_then_person_id():
    policy = make_policy(
        make_stage("seniors", ("head_of_service", "safeguarding_lead"), ("board_manager",)),
    )
    directory = changed(
        bradford(),
        person("zoe.adams", "Zoe Adams", member("csc", "head_of_service")),
        person("al.bright", "Al Bright", member(PARTNERSHIP, "board_manager")),
    )

    routing = who_must_act(policy, directory, 0, HANA, AMARA)

    assert [(a.side, a.role, a.person_id) for a in routing.assignees] == [
        ("raiser", "head_of_service", "ed.moss"),
        ("raiser", "safeguarding_lead", "gill.ford"),
        ("other", "head_of_service", "dev.rao"),
        ("other", "head_of_service", "zoe.adams"),
        ("other", "safeguarding_lead", "carol.shah"),
        ("other", "safeguarding_lead", "dr.patel"),
        ("partnership", "board_manager", "al.bright"),
        ("partnership", "board_manager", "pat.board"),
    ]


def test_rejects_a_stage_the_policy_does_not_have():
    with pytest.raises(IndexError):
        route(4)
    with pytest.raises(IndexError):
        route(-1)


def test_a_stage_for_the_raisers_side_only_asks_nobody_in_the_other_agency():
    stages = list(POLICY.stages)
    stages[PRACTITIONERS] = dataclasses.replace(stages[PRACTITIONERS], sides=Sides.RAISER)
    policy = dataclasses.replace(POLICY, stages=tuple(stages))
    routing = who_must_act(policy, bradford(), PRACTITIONERS, Side("csc", "amara.okafor"), Side("health", "hana.ali"))
    assert routing.people() == ("amara.okafor",)
    assert routing.flags == ()
