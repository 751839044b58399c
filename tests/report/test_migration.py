"""Migration 0009 on a database that already has disputes: their stage results are counted in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.db import _alembic_config, make_engine
from tests.builders import at
from tests.report.lifecycle import POLICY, escalate, load, open_one

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def before_0009(eng: Engine) -> str:
    """The revision just before 0009: the application's other tables are as the code expects, stage results not yet."""
    down = ScriptDirectory.from_config(_alembic_config(eng)).get_revision("0009").down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0005(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A database migrated only to the revision before 0009, as it was before it."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        command.upgrade(_alembic_config(eng), before_0009(eng))
        yield eng
        eng.dispose()
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        command.upgrade(_alembic_config(eng), before_0009(eng))
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_upgrading_counts_the_escalations_already_on_the_record_into_stage_results(at_0005: Engine) -> None:
    from storage.models import AskedRow

    AskedRow.__table__.create(at_0005)  # today's repository keeps who is asked (0014, later than 0009)
    load(at_0005)
    dispute_id = open_one(at_0005, at(2026, 11, 2, 10))
    escalate(at_0005, dispute_id, at(2026, 11, 2, 11), times=2)
    with at_0005.connect() as conn:
        entries = conn.execute(sa.text("SELECT * FROM record_entries ORDER BY id")).all()
    AskedRow.__table__.drop(at_0005)  # 0014 makes it again, from the disputes

    command.upgrade(_alembic_config(at_0005), "head")

    with at_0005.connect() as conn:
        rows = sorted(tuple(r) for r in conn.execute(sa.text("SELECT stage_id, missed, escalated_on_request FROM stage_results")))
    assert rows == sorted([(POLICY.stages[0].id, False, True), (POLICY.stages[1].id, False, True)])

    command.downgrade(_alembic_config(at_0005), before_0009(at_0005))  # and back, leaving the record as it was
    with at_0005.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM record_entries ORDER BY id")).all() == entries
