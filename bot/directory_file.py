"""Reading and checking a directory file: every problem collected, each with its line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.directory import (
    PARTNERSHIP,
    PARTNERSHIP_DEFAULT_NAME,
    PLATFORM_NAMES,
    PLATFORMS,
    Agency,
    Directory,
    Identity,
    InvalidDirectory,
    Membership,
    Person,
)
from bot.file_checks import Problems, excerpt
from bot.identifiers import bad_character, clean_name
from bot.problems import LineOf, Path

if TYPE_CHECKING:
    from bot.policy import Policy


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PERSON_KEYS = frozenset({"id", "name", "email", "agency", "roles", "line_manager", "memberships", *PLATFORMS})
_MEMBERSHIP_KEYS = frozenset({"agency", "roles", "line_manager"})
_AGENCY_KEYS = frozenset({"id", "name", "slack_channel", "teams_channel"})
_TOP_KEYS = frozenset({"agencies", "people"})


def parse_directory(
    data: object,
    line_of: LineOf = lambda p: None,
    *,
    policy: Policy | None = None,
) -> Directory:
    """Check a directory read from a file and build it; raise InvalidDirectory listing every error."""
    return _Parser(line_of, policy).parse(data)


@dataclass
class _RawMembership:
    agency: str | None
    roles: tuple[str, ...]
    line_manager: str | None
    path: Path


@dataclass
class _RawPerson:
    id: str | None
    name: str | None
    email: str | None
    memberships: list[_RawMembership]
    identities: list[tuple[Identity, Path]]
    path: Path


class _Parser(Problems):
    def __init__(self, line_of: LineOf, policy: Policy | None) -> None:
        super().__init__(line_of)
        self._policy = policy

    # The whole file.

    def parse(self, data: object) -> Directory:
        if data is None:
            self.error((), "the directory is empty; it needs 'agencies' and 'people'")
            raise InvalidDirectory(self.errors)
        if not isinstance(data, Mapping):
            self.error((), "the directory must be a mapping with 'agencies' and 'people'")
            raise InvalidDirectory(self.errors)
        for key in data:
            if key not in _TOP_KEYS:
                self.error((key,), f"unknown section '{key}'; expected 'agencies' and 'people'")
        agencies = self.agencies(data.get("agencies"))
        people = self.people(data.get("people"))
        self.check(agencies, people)
        if self.errors:
            raise InvalidDirectory(sorted(self.errors, key=lambda e: (e.line is None, e.line or 0)))
        return Directory(
            agencies=agencies,
            people={
                p.id: Person(
                    id=p.id,
                    name=p.name,
                    email=p.email,
                    memberships=tuple(
                        Membership(m.agency or "", frozenset(m.roles), m.line_manager) for m in p.memberships
                    ),
                    identities=tuple(i for i, _ in p.identities),
                )
                for p in people
                if p.id and p.name and p.email and all(m.agency for m in p.memberships)
            },
        )

    def agencies(self, raw: object) -> dict[str, Agency]:
        agencies: dict[str, Agency] = {}
        if raw is None:
            self.error(("agencies",), "there is no 'agencies' list")
            return agencies
        if not isinstance(raw, list):
            self.error(("agencies",), "'agencies' must be a list")
            return agencies
        first_seen: dict[str, int | None] = {}
        for n, item in enumerate(raw):
            path: Path = ("agencies", n)
            if not isinstance(item, Mapping):
                self.error(path, "each agency must be a mapping with 'id' and 'name'")
                continue
            self.unknown_keys(item, path, _AGENCY_KEYS, "agency")
            agency_id = self.text(item, path, "id", "agency")
            name = self.text(item, path, "name", f"agency '{agency_id}'" if agency_id else "agency")
            if not agency_id:
                continue
            if agency_id in first_seen:
                self.error(path + ("id",), f"duplicate agency '{agency_id}'{_first(first_seen[agency_id])}")
                continue
            first_seen[agency_id] = self.line(path + ("id",))
            agencies[agency_id] = Agency(
                agency_id,
                name or agency_id,
                slack_channel=self.space(item, path, "slack_channel", agency_id, "workspace"),
                teams_channel=self.space(item, path, "teams_channel", agency_id, "tenant"),
            )
        return agencies

    def people(self, raw: object) -> list[_RawPerson]:
        people: list[_RawPerson] = []
        if raw is None:
            self.error(("people",), "there is no 'people' list")
            return people
        if not isinstance(raw, list):
            self.error(("people",), "'people' must be a list")
            return people
        for n, item in enumerate(raw):
            path: Path = ("people", n)
            if not isinstance(item, Mapping):
                self.error(path, "each person must be a mapping with id, name, email, agency and a chat identity")
                continue
            people.append(self.person(item, path))
        return people

    # One person.

    def person(self, item: Mapping[Any, Any], path: Path) -> _RawPerson:
        self.unknown_keys(item, path, _PERSON_KEYS, "person")
        person_id = self.text(item, path, "id", "person")
        who = f"'{person_id}'" if person_id else "this person"
        name = self.text(item, path, "name", who)
        email = self.text(item, path, "email", who)
        if email and not _EMAIL.match(email):
            self.error(path + ("email",), f"{who} has a bad email address '{excerpt(email)}'")

        flat = [k for k in ("agency", "roles", "line_manager") if k in item]
        memberships: list[_RawMembership] = []
        if "memberships" in item:
            if flat:
                self.error(
                    path + (flat[0],),
                    f"{who} has both 'memberships' and '{flat[0]}'; put agency, roles and line_manager"
                    " inside each membership",
                )
            raw = item["memberships"]
            if not isinstance(raw, list) or not raw:
                self.error(path + ("memberships",), f"{who}: 'memberships' must be a non-empty list")
            else:
                for n, m in enumerate(raw):
                    mpath = path + ("memberships", n)
                    if not isinstance(m, Mapping):
                        self.error(mpath, f"{who}: each membership must be a mapping with 'agency'")
                        continue
                    self.unknown_keys(m, mpath, _MEMBERSHIP_KEYS, "membership")
                    memberships.append(self.membership(m, mpath, who))
        else:
            memberships.append(self.membership(item, path, who))

        identities: list[tuple[Identity, Path]] = []
        for platform in PLATFORMS:
            if item.get(platform) in (None, ""):
                continue
            identity = self.identity(item[platform], path + (platform,), platform, who)
            if identity:
                identities.append((identity, path + (platform,)))
        if not any(item.get(p) not in (None, "") for p in PLATFORMS):
            self.error(path, f"{who} has no chat identity; give 'slack' or 'teams' (workspace/user)")
        return _RawPerson(person_id, name, email, memberships, identities, path)

    def membership(self, item: Mapping[Any, Any], path: Path, who: str) -> _RawMembership:
        agency = self.text(item, path, "agency", who)
        roles: list[str] = []
        raw_roles = item.get("roles")
        if isinstance(raw_roles, str):
            raw_roles = [raw_roles]
        if raw_roles is None:
            raw_roles = []
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) and r.strip() for r in raw_roles):
            self.error(path + ("roles",), f"{who}: 'roles' must be a list of role names")
        else:
            roles = [r.strip() for r in raw_roles]
        line_manager = item.get("line_manager")
        if line_manager in (None, ""):
            line_manager = None
        elif not isinstance(line_manager, str):
            self.error(path + ("line_manager",), f"{who}: 'line_manager' must be a person id")
            line_manager = None
        else:
            line_manager = line_manager.strip()
        return _RawMembership(agency, tuple(roles), line_manager, path)

    def identity(self, raw: object, path: Path, platform: str, who: str) -> Identity | None:
        label = PLATFORM_NAMES[platform]
        if not isinstance(raw, str):
            self.error(path, f"{who}: the {label} identity must be text, workspace/user")
            return None
        parts = raw.strip().split("/")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            self.error(path, f"{who} has a malformed {label} identity '{excerpt(raw)}'; it must be workspace/user")
            return None
        return Identity(platform, parts[0].strip(), parts[1].strip())

    # Helpers for fields.

    def text(self, item: Mapping[Any, Any], path: Path, key: str, who: str) -> str | None:
        value = item.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(path + (key,) if key in item else path, f"{who} has no {key}")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.error(path + (key,), f"{who}: '{key}' must be text")
            return None
        text = str(value)
        if bad_character(text, allow_newlines=False):
            self.error(path + (key,), f"{who}: '{key}' holds a control character or a broken one; type it again")
            return None
        if len(text) > 200:
            self.error(path + (key,), f"{who}: '{key}' is {len(text)} characters long; keep it under 200")
            return None
        return clean_name(text)  # bidi controls and zero-width characters removed

    def space(self, item: Mapping[Any, Any], path: Path, key: str, agency_id: str | None, where: str) -> str:
        """An agency's thread space on one platform: 'workspace/channel' (Slack) or 'tenant/channel' (Teams)."""
        if item.get(key) in (None, ""):
            return ""
        value = self.text(item, path, key, f"agency '{agency_id}'")
        if value is None:
            return ""
        parts = value.split("/")
        if len(parts) != 2 or not all(p.strip() for p in parts) or " " in value:
            self.error(path + (key,), f"agency '{agency_id}': '{key}' must be {where}/channel, not '{excerpt(value)}'")
            return ""
        return value

    def unknown_keys(self, item: Mapping[Any, Any], path: Path, known: frozenset[str], what: str) -> None:
        for key in item:
            if key not in known:
                self.error(path + (key,), f"unknown {what} field '{key}'; expected one of {', '.join(sorted(known))}")

    # Checks across people.

    def check(self, agencies: dict[str, Agency], people: list[_RawPerson]) -> None:
        by_id: dict[str, _RawPerson] = {}
        for p in people:
            if not p.id:
                continue
            if p.id in by_id:
                self.error(
                    p.path + ("id",),
                    f"duplicate person '{p.id}'{_first(self.line(by_id[p.id].path + ('id',)))};"
                    " a person in two agencies is one entry with 'memberships'",
                )
                continue
            by_id[p.id] = p

        used_partnership = False
        for p in by_id.values():
            seen_agencies: dict[str, Path] = {}
            for m in p.memberships:
                if not m.agency:
                    continue
                if m.agency in seen_agencies:
                    self.error(
                        m.path + ("agency",),
                        f"duplicate person: '{p.id}' is listed twice in agency '{m.agency}'"
                        f"{_first(self.line(seen_agencies[m.agency] + ('agency',)))}",
                    )
                    continue
                seen_agencies[m.agency] = m.path
                if m.agency == PARTNERSHIP:
                    used_partnership = True
                elif m.agency not in agencies:
                    self.error(m.path + ("agency",), f"'{p.id}' is in unknown agency '{m.agency}'")
                self.check_roles(p, m)
                self.check_line_manager(p, m, by_id)
        if used_partnership and PARTNERSHIP not in agencies:
            agencies[PARTNERSHIP] = Agency(PARTNERSHIP, PARTNERSHIP_DEFAULT_NAME)

        self.check_identities(by_id)
        self.check_cycles(by_id)

    def check_roles(self, p: _RawPerson, m: _RawMembership) -> None:
        # Imported here, not at the top, so bot.policy may import this module without a cycle.
        from bot.policy import RELATIVE_ROLES

        for role in m.roles:
            if role in RELATIVE_ROLES:
                self.error(
                    m.path + ("roles",),
                    f"'{p.id}' lists '{role}' as a role; it is worked out from the dispute, not held",
                )
            elif self._policy is not None:
                if m.agency == PARTNERSHIP:
                    allowed, kind = self._policy.partnership_roles, "partnership"
                else:
                    allowed, kind = self._policy.agency_roles, "agency"
                if role not in allowed:
                    self.error(
                        m.path + ("roles",),
                        f"'{p.id}' has role '{role}' in '{m.agency}', which the policy '{self._policy.name}'"
                        f" does not use; its {kind} roles are {', '.join(allowed) or 'none'}",
                    )

    def check_line_manager(self, p: _RawPerson, m: _RawMembership, by_id: dict[str, _RawPerson]) -> None:
        if m.line_manager is None:
            return
        path = m.path + ("line_manager",)
        if m.line_manager == p.id:
            self.error(path, f"'{p.id}' is their own line manager")
            return
        manager = by_id.get(m.line_manager)
        if manager is None:
            self.error(path, f"'{p.id}' has unknown line manager '{m.line_manager}'")
        elif not any(mm.agency == m.agency for mm in manager.memberships):
            self.error(path, f"line manager '{m.line_manager}' of '{p.id}' is not in agency '{m.agency}'")

    def check_identities(self, by_id: dict[str, _RawPerson]) -> None:
        owner: dict[Identity, tuple[str, Path]] = {}
        for p in by_id.values():
            for identity, path in p.identities:
                if identity in owner and owner[identity][0] != p.id:
                    first_id, first_path = owner[identity]
                    self.error(
                        path,
                        f"{PLATFORM_NAMES[identity.platform]} identity '{identity}' of '{p.id}' is already used"
                        f" by '{first_id}'{_first(self.line(first_path))}",
                    )
                else:
                    owner.setdefault(identity, (p.id or "", path))

    def check_cycles(self, by_id: dict[str, _RawPerson]) -> None:
        reported: set[frozenset[tuple[str, str]]] = set()
        for p in by_id.values():
            for m in p.memberships:
                if not m.agency or not m.line_manager:
                    continue
                chain: list[str] = [p.id or ""]
                current: str | None = m.line_manager
                while current is not None and current not in chain:
                    chain.append(current)
                    manager = by_id.get(current)
                    mm = next((x for x in manager.memberships if x.agency == m.agency), None) if manager else None
                    current = mm.line_manager if mm else None
                if current != p.id or len(chain) < 2:
                    continue  # no cycle, a cycle further up (reported from its own members), or self
                key = frozenset((who, m.agency) for who in chain)  # m.agency is set: checked above
                if key in reported:
                    continue
                reported.add(key)
                loop = " → ".join(chain + [p.id or ""])
                self.error(m.path + ("line_manager",), f"line-manager cycle in '{m.agency}': {loop}")


def _first(line: int | None) -> str:
    return f" (first on line {line})" if line is not None else ""
