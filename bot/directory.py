"""Who is who: people, the agencies they work in, their roles, line managers and chat identities."""

from __future__ import annotations

from dataclasses import dataclass, field

PARTNERSHIP = "partnership"  # the reserved agency id for partnership staff (Board Manager, ...)
PLATFORMS = ("slack", "teams")


@dataclass(frozen=True)
class Identity:
    platform: str  # "slack" or "teams"
    workspace: str  # Slack team id, or Microsoft tenant id
    user_id: str  # Slack user id, or Teams user id (29:... or AAD object id)


@dataclass(frozen=True)
class Membership:
    agency: str
    roles: frozenset[str] = frozenset()
    line_manager: str | None = None  # person id, in this agency's structure


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    memberships: tuple[Membership, ...]
    identities: tuple[Identity, ...] = ()

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(m.agency for m in self.memberships)

    def membership(self, agency: str) -> Membership | None:
        """This person's membership of `agency`, or None."""
        for m in self.memberships:
            if m.agency == agency:
                return m
        return None

    def identity_on(self, platform: str) -> Identity | None:
        """This person's identity on `platform`, or None."""
        for i in self.identities:
            if i.platform == platform:
                return i
        return None


@dataclass(frozen=True)
class Agency:
    id: str
    name: str


@dataclass
class Directory:
    agencies: dict[str, Agency] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def by_identity(self, platform: str, workspace: str, user_id: str) -> Person | None:
        """The person with this chat identity, or None."""
        for p in self.people.values():
            for i in p.identities:
                if i.platform == platform and i.user_id == user_id and (i.workspace == workspace or not workspace):
                    return p
        return None

    def holders(self, agency: str, role: str) -> list[Person]:
        """People in `agency` holding `role`, in id order."""
        return sorted(
            (p for p in self.people.values() if (m := p.membership(agency)) and role in m.roles),
            key=lambda p: p.id,
        )

    def agency_name(self, agency: str) -> str:
        a = self.agencies.get(agency)
        return a.name if a else agency
