"""each agency's own thread space, and threads kept per space

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01

- agencies.slack_channel, agencies.teams_channel: where the agency's side of a dispute's thread
  lives ("workspace/channel", "tenant/channel"; empty when it names none).
- threads.workspace is widened: a thread in an agency's own space is kept under
  "<workspace>/<channel>", so two agencies in one workspace each have their own thread.
"""

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("slack_channel", sa.String(length=300), nullable=False, server_default=""))
        batch.add_column(sa.Column("teams_channel", sa.String(length=300), nullable=False, server_default=""))
    with op.batch_alter_table("threads") as batch:
        batch.alter_column("workspace", existing_type=sa.String(length=64), type_=sa.String(length=400), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.alter_column("workspace", existing_type=sa.String(length=400), type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("teams_channel")
        batch.drop_column("slack_channel")
