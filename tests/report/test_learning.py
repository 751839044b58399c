"""Learning answers: kept once per person who confirmed or closed a finished dispute, and on its record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from bot.errors import IllegalTransition, InvalidInput, NotAllowed
from bot.learning import THEMES, AlreadyAnswered, GiveLearning, give_learning
from messages.problems import word
from tests.builders import at
from tests.report.lifecycle import close_unresolved, load, open_one, resolve, uow

MONDAY = at(2026, 11, 23, 10)
TUESDAY = at(2026, 11, 24, 10)


@pytest.fixture
def resolved(engine: Engine) -> str:
    load(engine)
    dispute_id = open_one(engine, MONDAY)
    resolve(engine, dispute_id, TUESDAY)
    return dispute_id


def answer(dispute_id: str, by: str = "dc.jones", **kw) -> GiveLearning:
    return GiveLearning(
        dispute_id,
        by,
        learning_points=kw.pop("learning_points", "Share the school's reports before deciding."),
        debrief_wanted=kw.pop("debrief_wanted", True),
        procedure_unclear=kw.pop("procedure_unclear", False),
        themes=kw.pop("themes", ("Information sharing", "Thresholds and criteria")),
    )


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_an_answer_from_someone_who_confirmed_is_stored_with_its_themes_and_put_on_the_record(engine: Engine, resolved: str) -> None:
    event = give_learning(answer(resolved), uow=uow(engine), now=TUESDAY)

    with uow(engine) as u:
        [stored] = u.learning.for_dispute(resolved)
        last = u.disputes.record(resolved)[-1]
    assert (stored.person_id, stored.learning_points, stored.debrief_wanted, stored.procedure_unclear) == (
        "dc.jones", "Share the school's reports before deciding.", True, False
    )
    assert stored.themes == ("Information sharing", "Thresholds and criteria")
    assert event.themes == ("Thresholds and criteria", "Information sharing")  # in the list's order
    assert (last.kind, last.actor, last.at) == ("learning points given", "dc.jones", TUESDAY)
    assert last.details == {
        "learning_points": "Share the school's reports before deciding.",
        "debrief_wanted": True,
        "procedure_unclear": False,
        "themes": ["Thresholds and criteria", "Information sharing"],
    }
    assert sorted(rows(engine, "SELECT theme FROM learning_themes")) == [("Information sharing",), ("Thresholds and criteria",)]


def test_both_people_who_confirmed_may_answer_but_each_only_once(engine: Engine, resolved: str) -> None:
    give_learning(answer(resolved, "dc.jones"), uow=uow(engine), now=TUESDAY)
    give_learning(answer(resolved, "amara.okafor", themes=()), uow=uow(engine), now=TUESDAY)

    with pytest.raises(AlreadyAnswered):
        give_learning(answer(resolved, "dc.jones", learning_points="again"), uow=uow(engine), now=TUESDAY)

    assert rows(engine, "SELECT person_id FROM learning_answers ORDER BY id") == [("dc.jones",), ("amara.okafor",)]
    assert rows(engine, "SELECT count(*) FROM record_entries WHERE kind = 'learning points given'") == [(2,)]


def test_the_person_who_closed_an_unresolved_dispute_may_answer_and_nobody_else(engine: Engine) -> None:
    load(engine)
    dispute_id = open_one(engine, MONDAY)
    closer = close_unresolved(engine, dispute_id, TUESDAY)

    with pytest.raises(NotAllowed):
        give_learning(answer(dispute_id, "amara.okafor"), uow=uow(engine), now=TUESDAY)
    give_learning(answer(dispute_id, closer, procedure_unclear=True), uow=uow(engine), now=TUESDAY)

    assert rows(engine, "SELECT person_id, procedure_unclear FROM learning_answers") == [(closer, True)]


def test_an_open_dispute_is_not_asked_for_learning_and_nothing_is_stored(engine: Engine) -> None:
    load(engine)
    dispute_id = open_one(engine, MONDAY)

    with pytest.raises(IllegalTransition):
        give_learning(answer(dispute_id, "amara.okafor"), uow=uow(engine), now=TUESDAY)

    assert rows(engine, "SELECT count(*) FROM learning_answers") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM record_entries WHERE kind = 'learning points given'") == [(0,)]


def test_a_theme_not_on_the_fixed_list_is_refused_and_nothing_is_stored(engine: Engine, resolved: str) -> None:
    assert "Made up" not in THEMES
    with pytest.raises(InvalidInput) as exc:
        give_learning(answer(resolved, themes=("Information sharing", "Made up")), uow=uow(engine), now=TUESDAY)
    assert "listed themes" in word(exc.value.errors["themes"])
    with pytest.raises(InvalidInput) as exc:
        give_learning(answer(resolved, learning_points="x" * 5000), uow=uow(engine), now=TUESDAY)
    assert "under" in word(exc.value.errors["learning_points"])

    assert rows(engine, "SELECT count(*) FROM learning_answers") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM learning_themes") == [(0,)]
