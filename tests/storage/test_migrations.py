"""The migrations: an empty database is refused until upgraded, and they build what the models describe."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from storage.db import NotMigrated, check_migrated, make_engine, upgrade

# --- migrations ---------------------------------------------------------------------------------


def test_an_empty_database_is_refused_with_what_to_run_until_it_is_upgraded(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        with pytest.raises(NotMigrated, match=r"python app\.py db upgrade"):
            check_migrated(engine)

        upgrade(engine)

        check_migrated(engine)
    finally:
        engine.dispose()



def test_the_migrations_build_exactly_the_tables_the_models_describe(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage import board_rows  # noqa: F401 - its tables in the metadata too
    from storage.models import Base

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
