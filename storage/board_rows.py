"""The tables of learning, legal holds and retention (issue 12; migration 0009): what the Board's
report counts and what a purge keeps. Like storage/models.py, never seen by the core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class LearningAnswerRow(Base):
    """One person's learning answer for a finished dispute; anonymising removes the person and the text."""

    __tablename__ = "learning_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(64))
    learning_points: Mapped[str] = mapped_column(Text, default="")
    debrief_wanted: Mapped[bool] = mapped_column(Boolean)
    procedure_unclear: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime]
    opened_at: Mapped[datetime]  # when the dispute was raised: the report picks its period by it

    __table_args__ = (
        UniqueConstraint("dispute_id", "person_id", name="uq_learning_answers_dispute_person"),
        Index("ix_learning_answers_opened", "opened_at", "debrief_wanted", "procedure_unclear"),
    )


class LearningThemeRow(Base):
    """A theme chosen in a learning answer (bot.learning.THEMES), one row each so the report can count them."""

    __tablename__ = "learning_themes"
    answer_id: Mapped[int] = mapped_column(ForeignKey("learning_answers.id"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(100), primary_key=True)


class LegalHoldRow(Base):
    """A dispute that must not be purged, and why; removed when the hold is released (both are on the record)."""

    __tablename__ = "legal_holds"
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    held_by: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime]


class PurgeLogRow(Base):
    """Append-only: what a retention purge removed from one dispute, when, by whom and why (never the content)."""

    __tablename__ = "purge_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(String(32), index=True)
    closed_at: Mapped[datetime]
    purged_at: Mapped[datetime]
    purged_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))  # anonymise | delete
    removed: Mapped[dict[str, Any]]  # what was removed, as counts and field names


class PurgeAuthorisationRow(Base):
    """Lets the record triggers allow DELETE of one dispute's entries; inserted and deleted inside a purge's transaction."""

    __tablename__ = "purge_authorisations"
    dispute_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purge_log_id: Mapped[int] = mapped_column(ForeignKey("purge_log.id"))


class StageResultRow(Base):
    """How a dispute's stage went, as far as the Board counts it: written by a database trigger on
    every 'escalated' or 'timescale missed' record entry (migration 0009), and kept when a purge
    removes the record. No personal data: ids, a stage, a date and two flags."""

    __tablename__ = "stage_results"
    dispute_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opened_at: Mapped[datetime]  # when the dispute was raised: the report picks its period by it
    missed: Mapped[bool] = mapped_column(Boolean)
    escalated_on_request: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_stage_results_report", "opened_at", "stage_id", "missed", "escalated_on_request"),)
