"""Learning answers in the database, and a unit of work that reaches them beside the disputes."""

from __future__ import annotations

from typing import Self

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.learning import LearningAnswer
from storage.board_rows import LearningAnswerRow, LearningThemeRow
from storage.models import DisputeRow
from storage.unit_of_work import SqlUnitOfWork


class SqlLearningRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, answer: LearningAnswer) -> None:
        """Store one answer and one row per theme chosen."""
        answer_id = self.session.scalar(
            insert(LearningAnswerRow)
            .values(
                dispute_id=answer.dispute_id,
                person_id=answer.person_id,
                learning_points=answer.learning_points,
                debrief_wanted=answer.debrief_wanted,
                procedure_unclear=answer.procedure_unclear,
                answered_at=answer.answered_at,
                opened_at=select(DisputeRow.opened_at).where(DisputeRow.id == answer.dispute_id).scalar_subquery(),
            )
            .returning(LearningAnswerRow.id)
        )
        if answer.themes:
            self.session.execute(insert(LearningThemeRow), [{"answer_id": answer_id, "theme": t} for t in answer.themes])

    def answered(self, dispute_id: str, person_id: str) -> bool:
        """True if this person has already answered for this dispute."""
        found = self.session.scalar(
            select(LearningAnswerRow.id).where(LearningAnswerRow.dispute_id == dispute_id, LearningAnswerRow.person_id == person_id)
        )
        return found is not None

    def for_dispute(self, dispute_id: str) -> list[LearningAnswer]:
        """Every answer for a dispute, oldest first, with its themes."""
        rows = self.session.scalars(
            select(LearningAnswerRow).where(LearningAnswerRow.dispute_id == dispute_id).order_by(LearningAnswerRow.id)
        ).all()
        themes: dict[int, list[str]] = {}
        if rows:
            for answer_id, theme in self.session.execute(
                select(LearningThemeRow.answer_id, LearningThemeRow.theme).where(LearningThemeRow.answer_id.in_([r.id for r in rows]))
            ):
                themes.setdefault(answer_id, []).append(theme)
        return [
            LearningAnswer(
                dispute_id=r.dispute_id,
                person_id=r.person_id,
                learning_points=r.learning_points,
                debrief_wanted=r.debrief_wanted,
                procedure_unclear=r.procedure_unclear,
                themes=tuple(sorted(themes.get(r.id, []))),
                answered_at=r.answered_at,
            )
            for r in rows
        ]


class BoardUnitOfWork(SqlUnitOfWork):
    """SqlUnitOfWork with the learning answers too (kept apart so the shared unit of work stays as it is)."""

    def __enter__(self) -> Self:
        super().__enter__()
        self.learning = SqlLearningRepository(self.session)
        return self
