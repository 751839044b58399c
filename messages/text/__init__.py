"""Plain-language pieces shared by every chat front end, and the view-model the builders read.

The view-model is built from core types only (a Dispute, the Directory, the Policy): never an
ORM row, never a session. Builders in messages/slack.py and messages/teams.py are pure functions
of it, and of the platform-free lines below (what the thread says about each event, and more), which
they only render in their own markup.
"""

from __future__ import annotations

from messages.text.view import (  # noqa: F401 - the package's public names
    BUTTON_IDS,
    _confirmer,
    asked_person,
    BUTTON_LABELS,
    by_when,
    dispute_view,
    DisputeView,
    IMMEDIATE_RISK,
    LONDON,
    Names,
    names_for,
    person_view,
    PersonView,
    proposal_token,
    ProposalView,
    role_words,
    STATUS_WORDS,
    when,
)
from messages.text.lines import (  # noqa: F401 - the package's public names
    URGENT,
    NO_THREAD,
    NOT_IN_THEIR_SLACK_WORKSPACE,
    THREAD_IN_AGENCY_CHANNEL,
    THREAD_IN_CHANNEL,
    root_facts,
    _short,
    acting_agency,
    actor,
    asked_now,
    event_text,
    EventText,
    help_lines,
    joined,
    Line,
    list_entry,
    Mention,
    nudge_line,
    Part,
    party,
    procedure_line,
    proposal_fields,
    reminded_line,
    root_summary,
    Said,
    Strong,
    told_on_raising,
    unreachable_line,
    unreachable_summary,
    waiting_for_line,
    who_with_role,
)
