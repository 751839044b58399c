"""The directory repository on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.upkeep import load_directory
from tests.builders import POLICE_TENANT, directory_for
from tests.databases import another_engine
from tests.storage.store_setup import POLICY, count, new_uow

# --- the directory ------------------------------------------------------------------------------


def test_the_directory_reads_back_as_stored_with_two_agencies_and_both_platforms(engine: Engine) -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    priya = Person(
        id="priya.patel",
        name="Dr Priya Patel",
        email="priya.patel@bdct.nhs.example.uk",
        memberships=(  # in agency-id order, which is the order the repository reads them back in
            Membership("csc", frozenset({"safeguarding_lead"}), "ben.hughes"),
            Membership("health", frozenset({"safeguarding_lead", "head_of_service"}), None),
        ),
        identities=(Identity("slack", "T0CSC", "U0PRIYA"), Identity("teams", tenant, "29:1a2b3c")),
    )
    base = directory_for(POLICY)
    directory = Directory(
        agencies={**base.agencies, "health": Agency("health", "Bradford District Care NHS Foundation Trust")},
        people={**base.people, priya.id: priya},
    )

    load_directory(directory, uow=new_uow(engine))
    with new_uow(engine) as uow:
        back = uow.directory.load()

    assert back == directory
    assert back.person("priya.patel") == priya
    assert back.by_identity("teams", tenant, "29:1a2b3c") == priya
    assert back.by_identity("slack", "T0CSC", "U0PRIYA") == priya
    assert back.by_identity("teams", POLICE_TENANT, "29:dcjones").id == "dc.jones"
    assert [p.id for p in back.holders("csc", "safeguarding_lead")] == ["csc.safeguarding_lead", "priya.patel"]
    assert [p.id for p in back.holders(PARTNERSHIP, "board_manager")] == ["partnership.board_manager"]


def test_replacing_the_directory_removes_people_who_are_no_longer_in_it(engine: Engine) -> None:
    full = directory_for(POLICY)
    load_directory(full, uow=new_uow(engine))
    smaller = Directory(
        agencies=dict(full.agencies), people={k: v for k, v in full.people.items() if k != "dc.jones"}
    )

    load_directory(smaller, uow=new_uow(engine))
    with new_uow(engine) as uow:
        back = uow.directory.load()

    assert back == smaller
    assert back.person("dc.jones") is None
    assert back.by_identity("teams", POLICE_TENANT, "29:dcjones") is None
    assert count(engine, "identities") == len(smaller.people)


def test_the_directory_is_read_once_and_read_again_when_any_process_replaces_it(engine: Engine) -> None:
    full = directory_for(POLICY)
    load_directory(full, uow=new_uow(engine))
    statements: list[str] = []

    with new_uow(engine) as uow:
        first = uow.directory.load()
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with new_uow(engine) as uow:
        again = uow.directory.load()
    assert again is first  # kept in memory: one small query asks whether it changed
    assert len(statements) == 1 and "directory_revision" in statements[-1]

    other = another_engine(engine)  # as a second server process would
    try:
        smaller = Directory(agencies=dict(full.agencies), people={k: v for k, v in full.people.items() if k != "dc.jones"})
        load_directory(smaller, uow=new_uow(other))
    finally:
        other.dispose()
    with new_uow(engine) as uow:
        after = uow.directory.load()
    assert after == smaller and after.person("dc.jones") is None


def test_a_directory_replaced_in_a_transaction_that_rolls_back_is_not_kept(engine: Engine) -> None:
    full = directory_for(POLICY)
    load_directory(full, uow=new_uow(engine))
    with new_uow(engine) as uow:
        uow.directory.replace(Directory(agencies=dict(full.agencies), people={}))
        assert uow.directory.load().people == {}
        # no commit: rolled back
    with new_uow(engine) as uow:
        assert uow.directory.load() == full
