"""The directory of agencies and people in the database, cached per database until it changes."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from bot.directory import Agency, Directory, Identity, Membership, Person
from storage.models import AgencyRow, DirectoryRevisionRow, IdentityRow, MembershipRow, PersonRow, table_of

# The parsed directory of each database, with the revision it was read at: every request and
# every sweep needs it, and it changes only when someone loads a new directory file.
_DIRECTORIES: WeakKeyDictionary[Engine, tuple[int, Directory]] = WeakKeyDictionary()
_revisions = table_of(DirectoryRevisionRow)
REVISION = select(_revisions.c.revision).where(_revisions.c.id == 1)


def cached_directory(engine: Engine) -> tuple[int, Directory] | None:
    """The directory last read from this database, with its revision then (None if none was read)."""
    return _DIRECTORIES.get(engine)


class SqlDirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self) -> Directory:
        """The whole directory as core types; read from the tables only when its revision changed."""
        # Core on the session's connection, one statement built once: this is the first statement of
        # every use case's transaction, and the ORM's execution would only add cost to a single number.
        revision = self.session.connection().execute(REVISION).scalar()
        engine = self.session.get_bind()
        cached = _DIRECTORIES.get(engine) if isinstance(engine, Engine) else None
        if cached is not None and revision is not None and cached[0] == revision:
            return cached[1]
        directory = self._read()
        if revision is not None and isinstance(engine, Engine):
            _DIRECTORIES[engine] = (revision, directory)
        return directory

    def _read(self) -> Directory:
        agencies = {a.id: Agency(a.id, a.name, a.slack_channel or "", a.teams_channel or "") for a in self.session.scalars(select(AgencyRow))}
        memberships: dict[str, list[Membership]] = {}
        for m in self.session.scalars(select(MembershipRow).order_by(MembershipRow.person_id, MembershipRow.agency_id)):
            memberships.setdefault(m.person_id, []).append(
                Membership(agency=m.agency_id, roles=frozenset(m.roles), line_manager=m.line_manager_id)
            )
        identities: dict[str, list[Identity]] = {}
        for i in self.session.scalars(select(IdentityRow).order_by(IdentityRow.platform)):
            identities.setdefault(i.person_id, []).append(Identity(i.platform, i.workspace, i.user_id))
        people = {
            p.id: Person(
                id=p.id,
                name=p.name,
                email=p.email,
                memberships=tuple(memberships.get(p.id, ())),
                identities=tuple(identities.get(p.id, ())),
            )
            for p in self.session.scalars(select(PersonRow))
        }
        return Directory(agencies=agencies, people=people)

    def replace(self, directory: Directory) -> bool:
        """Swap the stored directory for this one (disputes keep the ids they name); False, changing
        nothing, when it is the one already stored.

        The revision row is written first, so two loads at once (replicas starting together) take
        turns: the second then reads what the first stored, finds it the same, and does nothing.
        """
        self.session.execute(
            update(DirectoryRevisionRow).where(DirectoryRevisionRow.id == 1).values(revision=DirectoryRevisionRow.revision)
        )
        if _canonical(self._read()) == _canonical(directory):
            return False
        for table in (IdentityRow, MembershipRow, PersonRow, AgencyRow):
            self.session.execute(delete(table))
        self.session.execute(
            update(DirectoryRevisionRow).where(DirectoryRevisionRow.id == 1).values(revision=DirectoryRevisionRow.revision + 1)
        )
        self.session.add_all(
            AgencyRow(id=a.id, name=a.name, slack_channel=a.slack_channel, teams_channel=a.teams_channel) for a in directory.agencies.values()
        )
        self.session.flush()
        for p in directory.people.values():
            self.session.add(PersonRow(id=p.id, name=p.name, email=p.email))
        self.session.flush()
        for p in directory.people.values():
            for m in p.memberships:
                self.session.add(
                    MembershipRow(person_id=p.id, agency_id=m.agency, roles=sorted(m.roles), line_manager_id=m.line_manager)
                )
            for i in p.identities:
                self.session.add(IdentityRow(platform=i.platform, workspace=i.workspace, user_id=i.user_id, person_id=p.id))
        self.session.flush()
        return True


def _canonical(directory: Directory) -> tuple[Any, ...]:
    """The directory's content, whatever order its parts were read or written in."""
    return (
        sorted((a.id, a.name) for a in directory.agencies.values()),
        sorted(
            (
                p.id,
                p.name,
                p.email,
                sorted((m.agency, tuple(sorted(m.roles)), m.line_manager or "") for m in p.memberships),
                sorted((i.platform, i.workspace, i.user_id) for i in p.identities),
            )
            for p in directory.people.values()
        ),
    )
