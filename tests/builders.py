"""Builders shared by the storage, chat and end-to-end tests: a directory for any policy, UK wall-clock
times, and the disagreement most tests open (Amara Okafor of Children's Social Care raises it with DC
Jones of the police)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot import moves, opening, ports
from bot.calendar import WorkingCalendar
from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.outbox import NoNotifier, Notifier
from bot.policy import Policy
from handlers.holidays import calendar_for

LONDON = ZoneInfo("Europe/London")

CSC_WORKSPACE = "T0CSC"  # Slack team of Children's Social Care
POLICE_TENANT = "tenant-police"  # Microsoft tenant of the police: one dispute spans both platforms
PARTNERSHIP_WORKSPACE = "T0PART"

AGENCIES = {
    "csc": Agency("csc", "Children's Social Care"),
    "police": Agency("police", "West Yorkshire Police"),
    PARTNERSHIP: Agency(PARTNERSHIP, "Partnership Business Unit"),
}
# (practitioner, their line manager) in each agency, by id and name
STAFF = {
    "csc": (("amara.okafor", "Amara Okafor"), ("ben.hughes", "Ben Hughes")),
    "police": (("dc.jones", "DC Rhys Jones"), ("ds.khan", "DS Sana Khan")),
}


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    """The UTC instant of this Europe/London wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(timezone.utc)


def _identity(agency: str, person_id: str) -> Identity:
    user = person_id.upper().replace(".", "").replace("_", "")
    if agency == "police":
        return Identity("teams", POLICE_TENANT, f"29:{user.lower()}")
    workspace = CSC_WORKSPACE if agency == "csc" else PARTNERSHIP_WORKSPACE
    return Identity("slack", workspace, f"U0{user}")


def _person(person_id: str, name: str, agency: str, roles: tuple[str, ...] = (), line_manager: str | None = None) -> Person:
    return Person(
        id=person_id,
        name=name,
        email=f"{person_id}@{agency}.example.gov.uk",
        memberships=(Membership(agency, frozenset(roles), line_manager),),
        identities=(_identity(agency, person_id),),
    )


def directory_for(policy: Policy) -> Directory:
    """csc (on Slack) and police (on Teams), each with a practitioner, their line manager and a holder of
    every agency role of `policy` (`csc.safeguarding_lead`, ...); the partnership with one holder of each of
    its roles (`partnership.board_manager`, ...)."""
    people: list[Person] = []
    for agency, ((practitioner, p_name), (manager, m_name)) in STAFF.items():
        people.append(_person(practitioner, p_name, agency, line_manager=manager))
        people.append(_person(manager, m_name, agency))
        for role in policy.agency_roles:
            title = role.replace("_", " ")
            people.append(_person(f"{agency}.{role}", f"{AGENCIES[agency].name} {title}", agency, (role,)))
    for role in policy.partnership_roles:
        title = role.replace("_", " ")
        people.append(_person(f"{PARTNERSHIP}.{role}", f"Partnership {title}", PARTNERSHIP, (role,)))
    return Directory(agencies=dict(AGENCIES), people={p.id: p for p in people})


def with_identity(directory: Directory, person_id: str, identity: Identity) -> Directory:
    """The directory with one more chat identity for this person (on another platform or workspace too)."""
    people = dict(directory.people)
    person = people[person_id]
    people[person_id] = dataclasses.replace(person, identities=(*person.identities, identity))
    return Directory(agencies=dict(directory.agencies), people=people)


def raising(policy: Policy, **changes: Any) -> opening.OpenDispute:
    """Amara Okafor (Children's Social Care) raises a disagreement with DC Jones (police), in the policy's
    first category; `changes` replace any of its fields."""
    fields: dict[str, Any] = dict(
        raiser="amara.okafor",
        reference="CSC-2026-0193",
        category=policy.categories[0],
        other_agency="police",
        other_person="dc.jones",
        problem="The strategy discussion was not convened.",
        outcome="A strategy discussion this week.",
    )
    return opening.OpenDispute(**{**fields, **changes})


def open_raised(
    policy: Policy,
    *,
    uow: ports.UnitOfWork,
    now: datetime,
    notifier: Notifier | None = None,
    calendar: WorkingCalendar | None = None,
    **changes: Any,
) -> moves.Outcome:
    """Open `raising(policy, **changes)` through the use case, on the policy's own calendar unless given one."""
    cmd = raising(policy, **changes)
    return opening.open_dispute(cmd, uow=uow, policy=policy, calendar=calendar or calendar_for(policy), now=now, notifier=notifier or NoNotifier())


class Clock:
    """A fixed clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
