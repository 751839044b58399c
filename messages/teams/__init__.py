"""Adaptive Cards for Microsoft Teams: every card Parley shows there.

Pure functions of the view-model in messages/text.py; they return plain dicts (the card, or the
Bot Framework activity that carries it). Everything a person typed, and every name from the
directory, goes through `esc` before it reaches a TextBlock (Teams reads those as markdown), so
nobody can forge a link, bold a line or fake an @mention through a dispute field. Mentions are
made only here, from the directory, with the entity Teams needs to turn `<at>…</at>` into a ping.

Buttons are Universal Actions (`Action.Execute`, an `adaptiveCard/action` invoke); each falls back
to `Action.Submit` (a message carrying `value`) on clients without them. Both carry the same
`data`, with the verb inside, so the bot reads them the same way.
"""

from __future__ import annotations

from messages.teams.base import (  # noqa: F401 - the package's public names
    _ANGLES,
    _ENTITY,
    _LINE_START,
    _MARKDOWN,
    _NUMBERED,
    ADAPTIVE_CARD,
    CARD_VERSION,
    CHOICES_MAX,
    CUT,
    DESCRIPTION_MAX,
    LINES_MAX,
    LIST_MAX,
    MESSAGE_MAX,
    PEOPLE_DATASET,
    RECORD_MAX,
    ROOT_VERBS,
    SEARCH_INVOKE,
    SEARCH_MAX,
    SEARCH_RESPONSE,
    Card,
    Element,
    Field,
    Mentions,
    Verb,
    _facts,
    _fit,
    _labelled,
    _size,
    _subtle,
    _text_blocks,
    activity,
    button,
    card,
    cards_in,
    dispute_actions,
    dispute_data,
    esc,
    markdown,
    message_card,
    paragraphs,
    plain,
    proposal_data,
    text_block,
)
from messages.teams.direct import (  # noqa: F401 - the package's public names
    _dispute_lines,
    asked_to_act_activity,
    confirm_request_activity,
    confirm_request_card,
    digest_activity,
    help_card,
    help_lines_for_teams,
    list_card,
    reminder_activity,
    unreachable_notice_activity,
)
from messages.teams.forms import (  # noqa: F401 - the package's public names
    _choice_input,
    _errors_banner,
    _form,
    _input,
    _text_input,
    _yes_no,
    close_unresolved_form,
    escalate_form,
    intake_card,
    note_form,
    person_title,
    raised_card,
    record_card,
    resolve_form,
    search_response,
    withdraw_form,
)
from messages.teams.thread import (  # noqa: F401 - the package's public names
    _status_facts,
    line_activity,
    reminder_line_activity,
    root_activity,
    root_card,
    unreachable_activity,
)
