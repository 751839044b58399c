"""Who is who: people, the agencies they work in, their roles, line managers and chat identities.

Files are read elsewhere (handlers/directory_files.py) into plain structures and handed to
`parse_directory`, which checks them and reports every error with its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.problems import InvalidFile, LineOf, Problem

if TYPE_CHECKING:
    from bot.policy import Policy

PARTNERSHIP = "partnership"  # the reserved agency id for partnership staff (Board Manager, ...)
PARTNERSHIP_DEFAULT_NAME = "Partnership"
PLATFORMS = ("slack", "teams")
PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


@dataclass(frozen=True)
class Identity:
    platform: str  # "slack" or "teams"
    workspace: str  # Slack team id, or Microsoft tenant id
    user_id: str  # Slack user id, or Teams user id (29:... or AAD object id)

    def __str__(self) -> str:
        return f"{self.workspace}/{self.user_id}"


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
    slack_channel: str = ""  # where this agency's side of a thread lives on Slack: "workspace/channel"
    teams_channel: str = ""  # ... and on Teams: "tenant/channel"

    @property
    def slack_space(self) -> tuple[str, str] | None:
        """(workspace, channel) of this agency's Slack thread space, or None."""
        return _split(self.slack_channel)

    @property
    def teams_space(self) -> tuple[str, str] | None:
        """(tenant, channel) of this agency's Teams thread space, or None."""
        return _split(self.teams_channel)


def _split(value: str) -> tuple[str, str] | None:
    where, _, channel = value.partition("/")
    return (where, channel) if where and channel else None


FIND_MIN_QUERY = 2  # letters typed before a search box offers anyone
FIND_LIMIT = 20


@dataclass
class Directory:
    agencies: dict[str, Agency] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    # (platform, user_id) -> ids of the people with that user id; built on first lookup.
    _identity_index: dict[tuple[str, str], tuple[str, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    # (agency, platform, workspace) for each agency with someone on that workspace; built on first use.
    _places: frozenset[tuple[str, str, str]] | None = field(default=None, init=False, repr=False, compare=False)

    def has_people_on(self, agency: str, platform: str, workspace: str) -> bool:
        """Is anyone in `agency` on `platform` in `workspace` (a Slack team, a Microsoft tenant)?"""
        if self._places is None:
            self._places = frozenset(
                (a, i.platform, i.workspace) for p in self.people.values() for i in p.identities for a in p.agencies
            )
        return (agency, platform, workspace) in self._places

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def by_identity(self, platform: str, workspace: str, user_id: str) -> Person | None:
        """The person with this chat identity, or None; an empty `workspace` matches any workspace."""
        if self._identity_index is None:
            self.reindex()
        assert self._identity_index is not None
        for person_id in self._identity_index.get((platform, user_id), ()):
            p = self.people.get(person_id)
            if p is None:
                continue
            for i in p.identities:
                # Checked again here so a stale index can never return the wrong person.
                if i.platform == platform and i.user_id == user_id and (i.workspace == workspace or not workspace):
                    return p
        return None

    def reindex(self) -> None:
        """Rebuild the identity index; call it after changing `people` in place."""
        index: dict[tuple[str, str], list[str]] = {}
        for p in self.people.values():
            for i in p.identities:
                ids = index.setdefault((i.platform, i.user_id), [])
                if p.id not in ids:
                    ids.append(p.id)
        self._identity_index = {k: tuple(v) for k, v in index.items()}
        self._places = None

    def holders(self, agency: str, role: str) -> list[Person]:
        """People in `agency` holding `role`, in id order."""
        return sorted(
            (p for p in self.people.values() if (m := p.membership(agency)) and role in m.roles),
            key=lambda p: p.id,
        )

    def agency_name(self, agency: str) -> str:
        a = self.agencies.get(agency)
        return a.name if a else agency

    def find(
        self, query: str, *, agency: str | None = None, exclude: str | None = None, limit: int = FIND_LIMIT
    ) -> list[tuple[Person, tuple[str, ...]]]:
        """People of an agency (not the partnership) whose name holds every word typed, for a search box.

        Names with a word starting with the first word typed come first, then by name. Each person
        comes with the agencies (ids) they matched in: `agency` alone when one is given. Fewer than
        FIND_MIN_QUERY letters find nobody.
        """
        words = query.casefold().split()
        if len("".join(words)) < FIND_MIN_QUERY:
            return []
        ranked = []
        for person in self.people.values():
            if person.id == exclude:
                continue
            agencies = tuple(a for a in person.agencies if a != PARTNERSHIP and agency in (None, a))
            name = person.name.casefold()
            if agencies and all(w in name for w in words):
                starts = any(part.startswith(words[0]) for part in name.split())
                ranked.append(((not starts, name, person.id), (person, agencies)))
        ranked.sort(key=lambda r: r[0])
        return [found for _, found in ranked[:limit]]


DirectoryError = Problem


class InvalidDirectory(InvalidFile):
    """The directory has problems; `errors` lists every one, `source` names the file when known."""

    what = "directory"


def parse_directory(data: object, line_of: LineOf = lambda p: None, *, policy: Policy | None = None) -> Directory:
    """Check a directory read from a file and build it; raise InvalidDirectory listing every error."""
    from bot.directory_file import parse_directory as parse  # the parser imports this module's types

    return parse(data, line_of, policy=policy)
