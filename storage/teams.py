"""Stored Teams ConversationReferences: where Parley can reach a Teams user or channel proactively.

The reference is kept as the plain JSON the Bot Framework gives it (handlers/teams turns it back
into a ConversationReference), so nothing here imports botbuilder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import TeamsConversationRow

log = logging.getLogger("parley.teams.storage")

USER = "user"
CHANNEL = "channel"
GROUP_CHAT = "groupChat"  # Teams' conversationType of a group chat (kept as a CHANNEL: a conversation, not a person)


@dataclass(frozen=True)
class StoredConversation:
    tenant_id: str
    kind: str  # USER (a 1:1 chat with the bot) or CHANNEL (a team channel or group chat)
    key: str  # the user's Teams id (29:...), or the channel's conversation id
    service_url: str
    conversation_id: str
    reference: dict[str, Any]
    aad_object_id: str | None = None


def _stored(row: TeamsConversationRow) -> StoredConversation:
    return StoredConversation(
        tenant_id=row.tenant_id,
        kind=row.kind,
        key=row.key,
        service_url=row.service_url,
        conversation_id=row.conversation_id,
        reference=dict(row.reference or {}),
        aad_object_id=row.aad_object_id,
    )


class SqlTeamsConversations:
    """Each call is its own short transaction (the bot and the sender call it from worker threads).

    `accepts` says which service URLs may be kept (handlers/teams: Microsoft's Teams service hosts):
    Parley later sends there, with its own access token, whatever it has to say to that person.
    """

    def __init__(self, sessions: sessionmaker[Session], *, accepts: Callable[[str], bool]) -> None:
        self.sessions = sessions
        self.accepts = accepts

    def put(self, conversation: StoredConversation, now: datetime) -> bool:
        """Keep (or refresh) a reference; False when it was already stored, or may not be (see `_refusal`)."""
        with self.sessions.begin() as session:
            row = session.get(TeamsConversationRow, (conversation.tenant_id, conversation.kind, conversation.key))
            problem = self._refusal(session, conversation, row)
            if problem:
                log.warning("Teams conversation reference for %s not kept: %s", conversation.key, problem)
                return False
            if row is not None and (
                row.service_url == conversation.service_url
                and row.conversation_id == conversation.conversation_id
                and (row.aad_object_id == conversation.aad_object_id or conversation.aad_object_id is None)
            ):
                return False
            session.merge(
                TeamsConversationRow(
                    tenant_id=conversation.tenant_id,
                    kind=conversation.kind,
                    key=conversation.key,
                    aad_object_id=conversation.aad_object_id or (row.aad_object_id if row else None),
                    service_url=conversation.service_url,
                    conversation_id=conversation.conversation_id,
                    reference=conversation.reference,
                    updated_at=now,
                )
            )
            return True

    def _refusal(self, session: Session, conversation: StoredConversation, row: TeamsConversationRow | None) -> str:
        """Why this reference may not be kept ('' if it may): a tenant, a service URL Parley accepts, and one person per chat."""
        if not conversation.tenant_id or not conversation.key:
            return "no tenant or no key"
        if not self.accepts(conversation.service_url):
            return f"the service URL {conversation.service_url[:100]!r} is not a Teams service host"
        if conversation.kind != USER or not conversation.aad_object_id:
            return ""
        if row is not None and row.aad_object_id and row.aad_object_id != conversation.aad_object_id:
            return "that Teams id is kept for someone else's Entra object id"
        other = session.scalar(
            select(TeamsConversationRow.key).where(
                TeamsConversationRow.tenant_id == conversation.tenant_id,
                TeamsConversationRow.kind == USER,
                TeamsConversationRow.aad_object_id == conversation.aad_object_id,
                TeamsConversationRow.key != conversation.key,
            )
        )
        return "that Entra object id is kept for another Teams id" if other else ""

    def user(self, tenant_id: str, user_id: str) -> StoredConversation | None:
        """The 1:1 chat with a user, by their Teams id (29:...) or their Entra object id."""
        with self.sessions() as session:
            row = session.scalar(
                select(TeamsConversationRow)
                .where(
                    TeamsConversationRow.tenant_id == tenant_id,
                    TeamsConversationRow.kind == USER,
                    or_(TeamsConversationRow.key == user_id, TeamsConversationRow.aad_object_id == user_id),
                )
                .order_by(TeamsConversationRow.updated_at.desc())
                .limit(1)
            )
            return _stored(row) if row else None

    def channel(self, tenant_id: str, conversation_id: str) -> StoredConversation | None:
        with self.sessions() as session:
            row = session.get(TeamsConversationRow, (tenant_id, CHANNEL, conversation_id))
            return _stored(row) if row else None

    def group_chat(self, tenant_id: str, conversation_id: str) -> StoredConversation | None:
        """A group chat Parley has been spoken to in (not a team channel, not a 1:1), or None."""
        stored = self.channel(tenant_id, conversation_id)
        if stored is None or (stored.reference.get("conversation") or {}).get("conversationType") != GROUP_CHAT:
            return None
        return stored

    def service_url(self, tenant_id: str) -> str | None:
        """The service URL Teams last used for this tenant (the region its conversations live in)."""
        with self.sessions() as session:
            return session.scalar(
                select(TeamsConversationRow.service_url)
                .where(TeamsConversationRow.tenant_id == tenant_id)
                .order_by(TeamsConversationRow.updated_at.desc())
                .limit(1)
            )

    def forget_user(self, tenant_id: str, user_id: str) -> None:
        """Drop a 1:1 reference Teams no longer accepts (the user removed the bot), so the next DM creates a new chat."""
        with self.sessions.begin() as session:
            for row in session.scalars(
                select(TeamsConversationRow).where(
                    TeamsConversationRow.tenant_id == tenant_id,
                    TeamsConversationRow.kind == USER,
                    or_(TeamsConversationRow.key == user_id, TeamsConversationRow.aad_object_id == user_id),
                )
            ):
                session.delete(row)
