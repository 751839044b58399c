"""learning answers, legal holds, and retention purges that are the only way to remove record entries

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01

- ix_disputes_report, stage_results, learning_answers.opened_at: the Board's report counts from
  covering indexes alone. stage_results (which stage of which dispute had its timescale missed,
  or was left by escalation on request) is kept by a trigger on record_entries, so no code path
  that writes the record needs to know about it, and a purge leaves it in place.
- learning_answers, learning_themes: what the people who confirmed or closed a dispute said could
  be learned (themes one row each, so the Board's report counts them in the database).
- legal_holds: a dispute on hold is never purged.
- purge_log (append-only), purge_authorisations: a retention purge writes its
  log row, then an authorisation row naming the dispute, in one transaction; the record triggers
  allow DELETE of that dispute's entries only while the authorisation row exists, and the purge
  deletes it again before committing. UPDATE stays refused always, and so does every DELETE
  without an authorisation, so every other path (the application's, or a stray SQL client's) is
  still refused.
"""

from alembic import op
import sqlalchemy as sa

import storage.models


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

_REFUSAL = "the dispute record is append-only: entries are never changed or removed"
_ACCESS_REFUSAL = "the dispute record is append-only: entries are never changed or removed"  # 0007's words
_LOG_REFUSAL = "the purge log is append-only: its rows are never changed or removed"
_AUTHORISED = "EXISTS (SELECT 1 FROM purge_authorisations WHERE purge_authorisations.dispute_id = OLD.dispute_id)"


def upgrade() -> None:
    op.create_table(
        "learning_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("learning_points", sa.Text(), nullable=False),
        sa.Column("debrief_wanted", sa.Boolean(), nullable=False),
        sa.Column("procedure_unclear", sa.Boolean(), nullable=False),
        sa.Column("answered_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("opened_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dispute_id", "person_id", name="uq_learning_answers_dispute_person"),
    )
    op.create_index(op.f("ix_learning_answers_dispute_id"), "learning_answers", ["dispute_id"], unique=False)
    op.create_index("ix_learning_answers_opened", "learning_answers", ["opened_at", "debrief_wanted", "procedure_unclear"], unique=False)
    op.create_table(
        "learning_themes",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["learning_answers.id"]),
        sa.PrimaryKeyConstraint("answer_id", "theme"),
    )
    op.create_table(
        "legal_holds",
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_by", sa.String(length=200), nullable=False),
        sa.Column("held_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"]),
        sa.PrimaryKeyConstraint("dispute_id"),
    )
    op.create_table(
        "purge_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("closed_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("purged_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("purged_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_purge_log_dispute_id"), "purge_log", ["dispute_id"], unique=False)
    op.create_table(
        "purge_authorisations",
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("purge_log_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["purge_log_id"], ["purge_log.id"]),
        sa.PrimaryKeyConstraint("dispute_id"),
    )
    op.create_table(
        "stage_results",
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("stage_id", sa.String(length=64), nullable=False),
        sa.Column("opened_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("escalated_on_request", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("dispute_id", "stage_id"),
    )
    op.create_index("ix_stage_results_report", "stage_results", ["opened_at", "stage_id", "missed", "escalated_on_request"], unique=False)
    op.create_index(
        "ix_disputes_report",
        "disputes",
        ["opened_at", "status", "category", "raiser_agency", "other_agency", "stage_index", "immediate_risk", "active",
         "closed_at", "deadline", "deadline_missed"],
        unique=False,
    )
    _triggers_allow_authorised_purges()
    _stage_results_kept_by_the_database()


def _triggers_allow_authorised_purges() -> None:
    if op.get_context().dialect.name == "postgresql":
        # The same function serves the row triggers and the TRUNCATE trigger from 0001: TRUNCATE
        # and UPDATE are refused always, DELETE unless the purge authorised this dispute.
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION parley_refuse_record_change() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF {_AUTHORISED} THEN
                        RETURN OLD;
                    END IF;
                END IF;
                RAISE EXCEPTION '{_REFUSAL}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        # The access log names who viewed a record: it goes with the record, under the same authorisation.
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION parley_refuse_access_log_change() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF {_AUTHORISED} THEN
                        RETURN OLD;
                    END IF;
                END IF;
                RAISE EXCEPTION '{_ACCESS_REFUSAL}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"""
            CREATE FUNCTION parley_refuse_purge_log_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{_LOG_REFUSAL}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER purge_log_append_only BEFORE UPDATE OR DELETE ON purge_log "
            "FOR EACH ROW EXECUTE FUNCTION parley_refuse_purge_log_change()"
        )
        op.execute(
            "CREATE TRIGGER purge_log_no_truncate BEFORE TRUNCATE ON purge_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION parley_refuse_purge_log_change()"
        )
    else:
        op.execute("DROP TRIGGER record_entries_no_delete")
        op.execute(
            f"CREATE TRIGGER record_entries_no_delete BEFORE DELETE ON record_entries WHEN NOT {_AUTHORISED} "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
        )
        op.execute("DROP TRIGGER access_log_no_delete")
        op.execute(
            f"CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log WHEN NOT {_AUTHORISED} "
            f"BEGIN SELECT RAISE(ABORT, '{_ACCESS_REFUSAL}'); END"
        )
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER purge_log_no_{verb.lower()} BEFORE {verb} ON purge_log "
                f"BEGIN SELECT RAISE(ABORT, '{_LOG_REFUSAL}'); END"
            )


_STAGE_KINDS = "('escalated', 'timescale missed')"


def _stage_results_kept_by_the_database() -> None:
    """Every 'escalated' or 'timescale missed' entry, however it is written, updates stage_results;
    entries written before this revision are counted in once here."""
    if op.get_context().dialect.name == "postgresql":
        stage = "CASE WHEN {e}.kind = 'escalated' THEN {e}.details->>'from_stage' ELSE {e}.details->>'stage_id' END"
        auto = "coalesce(({e}.details->>'automatic')::boolean, false)"
        op.execute(
            f"""
            CREATE FUNCTION parley_stage_result() RETURNS trigger AS $$
            BEGIN
                INSERT INTO stage_results (dispute_id, stage_id, opened_at, missed, escalated_on_request)
                VALUES (
                    NEW.dispute_id,
                    {stage.format(e="NEW")},
                    (SELECT opened_at FROM disputes WHERE id = NEW.dispute_id),
                    NEW.kind = 'timescale missed' OR {auto.format(e="NEW")},
                    NEW.kind = 'escalated' AND NOT {auto.format(e="NEW")}
                )
                ON CONFLICT (dispute_id, stage_id) DO UPDATE SET
                    missed = stage_results.missed OR EXCLUDED.missed,
                    escalated_on_request = stage_results.escalated_on_request OR EXCLUDED.escalated_on_request;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER record_entries_stage_results AFTER INSERT ON record_entries "
            f"FOR EACH ROW WHEN (NEW.kind IN {_STAGE_KINDS}) EXECUTE FUNCTION parley_stage_result()"
        )
        op.execute(
            f"""
            INSERT INTO stage_results (dispute_id, stage_id, opened_at, missed, escalated_on_request)
            SELECT e.dispute_id, {stage.format(e="e")}, min(d.opened_at),
                   bool_or(e.kind = 'timescale missed' OR {auto.format(e="e")}),
                   bool_or(e.kind = 'escalated' AND NOT {auto.format(e="e")})
            FROM record_entries e JOIN disputes d ON d.id = e.dispute_id
            WHERE e.kind IN {_STAGE_KINDS}
            GROUP BY e.dispute_id, {stage.format(e="e")}
            """
        )
        return
    stage = "CASE WHEN {e}.kind = 'escalated' THEN json_extract({e}.details, '$.from_stage') ELSE json_extract({e}.details, '$.stage_id') END"
    missed = "CASE WHEN {e}.kind = 'timescale missed' OR json_extract({e}.details, '$.automatic') = 1 THEN 1 ELSE 0 END"
    asked = "CASE WHEN {e}.kind = 'escalated' AND coalesce(json_extract({e}.details, '$.automatic'), 0) = 0 THEN 1 ELSE 0 END"
    op.execute(
        f"""
        CREATE TRIGGER record_entries_stage_results AFTER INSERT ON record_entries
        WHEN NEW.kind IN {_STAGE_KINDS}
        BEGIN
            INSERT INTO stage_results (dispute_id, stage_id, opened_at, missed, escalated_on_request)
            SELECT NEW.dispute_id, {stage.format(e="NEW")}, (SELECT opened_at FROM disputes WHERE id = NEW.dispute_id),
                   {missed.format(e="NEW")}, {asked.format(e="NEW")}
            WHERE true
            ON CONFLICT (dispute_id, stage_id) DO UPDATE SET
                missed = max(missed, excluded.missed),
                escalated_on_request = max(escalated_on_request, excluded.escalated_on_request);
        END
        """
    )
    op.execute(
        f"""
        INSERT INTO stage_results (dispute_id, stage_id, opened_at, missed, escalated_on_request)
        SELECT e.dispute_id, {stage.format(e="e")}, min(d.opened_at), max({missed.format(e="e")}), max({asked.format(e="e")})
        FROM record_entries e JOIN disputes d ON d.id = e.dispute_id
        WHERE e.kind IN {_STAGE_KINDS}
        GROUP BY e.dispute_id, {stage.format(e="e")}
        """
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER purge_log_no_truncate ON purge_log")
        op.execute("DROP TRIGGER purge_log_append_only ON purge_log")
        op.execute("DROP FUNCTION parley_refuse_purge_log_change()")
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION parley_refuse_access_log_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{_ACCESS_REFUSAL}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION parley_refuse_record_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{_REFUSAL}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        op.execute("DROP TRIGGER purge_log_no_update")
        op.execute("DROP TRIGGER purge_log_no_delete")
        op.execute("DROP TRIGGER access_log_no_delete")
        op.execute(f"CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, '{_ACCESS_REFUSAL}'); END")
        op.execute("DROP TRIGGER record_entries_no_delete")
        op.execute(
            f"CREATE TRIGGER record_entries_no_delete BEFORE DELETE ON record_entries "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
        )
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER record_entries_stage_results ON record_entries")
        op.execute("DROP FUNCTION parley_stage_result()")
    else:
        op.execute("DROP TRIGGER record_entries_stage_results")
    op.drop_index("ix_disputes_report", table_name="disputes")
    op.drop_index("ix_stage_results_report", table_name="stage_results")
    op.drop_table("stage_results")
    op.drop_table("purge_authorisations")
    op.drop_index(op.f("ix_purge_log_dispute_id"), table_name="purge_log")
    op.drop_table("purge_log")
    op.drop_table("legal_holds")
    op.drop_table("learning_themes")
    op.drop_index("ix_learning_answers_opened", table_name="learning_answers")
    op.drop_index(op.f("ix_learning_answers_dispute_id"), table_name="learning_answers")
    op.drop_table("learning_answers")
