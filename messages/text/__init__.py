"""Plain-language pieces shared by every chat front end, and the view-model the builders read.

The view-model is built from core types only (a Dispute, the Directory, the Policy): never an
ORM row, never a session. Builders in messages/slack.py and messages/teams.py are pure functions
of it, and of the platform-free lines below (what the thread says about each event, and more), which
they only render in their own markup.
"""

from __future__ import annotations

from messages.text.help import (  # noqa: F401 - the package's public names
    TEAMS_COMMANDS,
    Commands,
    _short,
    help_lines,
    slack_commands,
    unknown_command,
)
from messages.text.lines import (  # noqa: F401 - the package's public names
    URGENT,
    EventText,
    Line,
    LineText,
    Mention,
    Part,
    Said,
    Strong,
    acting_agency,
    actor,
    asked_now,
    event_text,
    joined,
    line_text,
    list_entry,
    nudge_line,
    party,
    procedure_line,
    proposal_fields,
    reminded_line,
    root_facts,
    root_summary,
    told_on_raising,
    waiting_for_line,
    who_with_role,
)
from messages.text.view import (  # noqa: F401 - the package's public names
    BUTTON_IDS,
    BUTTON_LABELS,
    IMMEDIATE_RISK,
    LONDON,
    STATUS_WORDS,
    DisputeView,
    Names,
    PersonView,
    ProposalView,
    _confirmer,
    asked_person,
    by_when,
    dispute_view,
    names_for,
    person_view,
    proposal_token,
    role_words,
    shared_views,
    when,
)
from messages.text.where import (  # noqa: F401 - the package's public names
    NO_THREAD,
    NOT_IN_THEIR_SLACK_WORKSPACE,
    THREAD_IN_AGENCY_CHANNEL,
    THREAD_IN_CHANNEL,
    unreachable_line,
    unreachable_summary,
)
