"""Alembic environment: the engine comes from storage.db (never from alembic.ini)."""

from alembic import context

from storage import board_rows  # noqa: F401 - its tables in the metadata too
from storage.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
