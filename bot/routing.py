"""Who must act at a stage: the people for each side of a disagreement, and the partnership.

When a stage's role cannot be filled for a side (no one holds it, the party is known only as
an agency, a line manager is missing or is a party to the disagreement) the work goes up to
the next tier named by later stages, and a plain-English flag says so for the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.directory import PARTNERSHIP, Directory
from bot.kinds import SideName
from bot.policy import LINE_MANAGER, PRACTITIONER, Policy, Sides

RAISER = SideName.RAISER
OTHER = SideName.OTHER
PARTNERSHIP_SIDE = SideName.PARTNERSHIP
SIDES = (RAISER, OTHER, PARTNERSHIP_SIDE)


@dataclass(frozen=True)
class Side:
    agency: str
    party: str | None  # person id of the party on this side; None when the party is only known as an agency


@dataclass(frozen=True)
class Assignee:
    person_id: str
    side: str  # "raiser" | "other" | "partnership"
    agency: str
    role: str  # the role they act in at this stage
    substitute_for: str | None = None  # the role they stand in for when routed up


@dataclass(frozen=True)
class Routing:
    assignees: tuple[Assignee, ...]
    flags: tuple[str, ...]  # plain-English notes for the record

    def people(self, side: str | None = None) -> tuple[str, ...]:
        """Ids of the people who must act, on `side` or on any side, each once, in routing order."""
        return tuple(dict.fromkeys(a.person_id for a in self.assignees if side is None or a.side == side))

    def may_act(self, person_id: str) -> bool:
        """Whether this person is one of those asked to act at this stage."""
        return any(a.person_id == person_id for a in self.assignees)

    def side_of(self, person_id: str) -> str | None:
        """The side this person acts for (the first, if they act for both), or None."""
        return next((a.side for a in self.assignees if a.person_id == person_id), None)


def who_must_act(policy: Policy, directory: Directory, stage_index: int, raiser: Side, other: Side) -> Routing:
    """The people who must act at stage `stage_index` for each side and the partnership, with flags."""
    if not 0 <= stage_index < len(policy.stages):
        raise IndexError(f"policy '{policy.name}' has no stage {stage_index}")
    return _Router(policy, directory, stage_index, raiser, other).route()


@dataclass(frozen=True)
class _Found:
    people: tuple[str, ...]
    reason: str = ""  # why no one was found


class _Router:
    def __init__(self, policy: Policy, directory: Directory, stage_index: int, raiser: Side, other: Side) -> None:
        self.policy = policy
        self.directory = directory
        self.stage_index = stage_index
        self.sides = {RAISER: raiser, OTHER: other}
        self.parties = frozenset(s.party for s in (raiser, other) if s.party)
        self.assignees: list[Assignee] = []
        self.flags: list[str] = []

    def route(self) -> Routing:
        stage = self.policy.stages[self.stage_index]
        for side_name, side in self.sides.items():
            if side_name == OTHER and stage.sides is Sides.RAISER:
                continue  # the challenging side works this stage on its own
            for role in stage.each_agency:
                found = self.find(side_name, side, role)
                if found.people:
                    self.add(found.people, side_name, side.agency, role)
                else:
                    self.route_up(side_name, side, role, found.reason)
        for role in stage.partnership:
            found = self.find_partnership(role)
            if found.people:
                self.add(found.people, PARTNERSHIP_SIDE, PARTNERSHIP, role)
            else:
                self.flags.append(f"{found.reason}.")
        self.flag_both_sides()
        rank: dict[str, int] = {s: n for n, s in enumerate(SIDES)}
        assignees = sorted(self.assignees, key=lambda a: rank[a.side])  # stable: role order, then id
        return Routing(tuple(assignees), tuple(self.flags))

    def add(
        self, people: tuple[str, ...], side: str, agency: str, role: str, substitute_for: str | None = None
    ) -> None:
        for person_id in people:
            if any(a.person_id == person_id and a.side == side for a in self.assignees):
                continue  # once per side, in the first role found for them
            self.assignees.append(Assignee(person_id, side, agency, role, substitute_for))

    # Finding the holder of one role for one side.

    def find(self, side_name: str, side: Side, role: str) -> _Found:
        if role == PRACTITIONER:
            return self.find_practitioner(side_name, side)
        if role == LINE_MANAGER:
            return self.find_line_manager(side_name, side)
        return self.find_holders(side.agency, role)

    def find_practitioner(self, side_name: str, side: Side) -> _Found:
        agency = self.agency_name(side.agency)
        if side.party is None:
            return _Found((), f"{_agency_only(side_name, agency)}, so there is no practitioner to ask")
        if self.directory.person(side.party) is None:
            return _Found((), f"{side.party} is not in the directory, so there is no practitioner to ask in {agency}")
        return _Found((side.party,))

    def find_line_manager(self, side_name: str, side: Side) -> _Found:
        agency = self.agency_name(side.agency)
        if side.party is None:
            return _Found((), f"{_agency_only(side_name, agency)}, so there is no line manager to ask")
        party = self.directory.person(side.party)
        if party is None:
            return _Found((), f"{side.party} is not in the directory, so their line manager in {agency} is not known")
        membership = party.membership(side.agency)
        if membership is None:
            return _Found((), f"{party.name} is not listed in {agency}, so their line manager there is not known")
        if membership.line_manager is None:
            return _Found((), f"{party.name} has no line manager listed in {agency}")
        manager = self.directory.person(membership.line_manager)
        if manager is None:
            return _Found((), f"{party.name}'s line manager ({membership.line_manager}) is not in the directory")
        if manager.id in self.parties:
            return _Found(
                (),
                f"{party.name}'s line manager, {manager.name}, is a party to this disagreement"
                f" (conflict of interest), so cannot act for {agency}",
            )
        return _Found((manager.id,))

    def find_holders(self, agency_id: str, role: str) -> _Found:
        holders = self.directory.holders(agency_id, role)
        people = tuple(p.id for p in holders if p.id not in self.parties)
        if people:
            return _Found(people)
        agency = self.agency_name(agency_id)
        if holders:
            return _Found((), f"The only {_words(role)} in {agency} is a party to this disagreement")
        return _Found((), f"No one in {agency} holds the role {_words(role)}")

    def find_partnership(self, role: str) -> _Found:
        return self.find_holders(PARTNERSHIP, role)

    # Going up a tier.

    def route_up(self, side_name: str, side: Side, missing: str, reason: str) -> None:
        agency = self.agency_name(side.agency)
        later = self.policy.stages[self.stage_index + 1 :]
        tried: list[str] = []
        for stage in later:
            for role in stage.each_agency:
                if role in (PRACTITIONER, missing) or role in tried:
                    continue
                found = self.find(side_name, side, role)
                if found.people:
                    self.add(found.people, side_name, side.agency, role, substitute_for=missing)
                    self.flags.append(f"{reason}; {_none_either(tried)}their {_words(role)} is asked instead.")
                    return
                tried.append(role)
        for stage in later:
            for role in stage.partnership:
                found = self.find_partnership(role)
                if found.people:
                    self.add(found.people, PARTNERSHIP_SIDE, PARTNERSHIP, role, substitute_for=missing)
                    self.flags.append(
                        f"{reason}; {_none_either(tried)}the {_words(role)} ({self.agency_name(PARTNERSHIP)})"
                        f" is asked to act for {agency} instead."
                    )
                    return
        self.flags.append(
            f"{reason}; {_none_either(tried)}nobody can act for {agency}, and the partnership must be told."
        )

    def flag_both_sides(self) -> None:
        raiser_side = {a.person_id for a in self.assignees if a.side == RAISER}
        other_side = {a.person_id for a in self.assignees if a.side == OTHER}
        for person_id in sorted(raiser_side & other_side):
            person = self.directory.person(person_id)
            name = person.name if person else person_id
            a, b = (self.agency_name(s.agency) for s in self.sides.values())
            where = f"both agencies ({a} and {b})" if a != b else f"both sides in {a}"
            self.flags.append(f"{name} acts for {where}; consider asking someone else.")

    def agency_name(self, agency: str) -> str:
        return self.directory.agency_name(agency)


def _words(role: str) -> str:
    return role.replace("_", " ")


def _agency_only(side_name: str, agency: str) -> str:
    party = "The party raising the disagreement" if side_name == RAISER else "The other party"
    return f"{party} in {agency} is known only as the agency"


def _none_either(tried: list[str]) -> str:
    if not tried:
        return ""
    roles = " or ".join(_words(r) for r in tried)
    return f"there is no {roles} who can act either, so "
