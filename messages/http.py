"""The short answers Parley gives to an HTTP request it refuses (POST /slack/events, POST /api/messages).

Nobody reads these in chat: Slack and Teams show nothing of a refused request. They are for
whoever is looking at the request (an administrator with curl, a proxy's log), so they say what
was wrong in plain words and never echo what was sent.
"""

from __future__ import annotations

TOO_LARGE = "That request is too large."
NOT_JSON = "Parley expects a Bot Framework activity as JSON."
ONE_ACTIVITY = "Parley expects one activity, a JSON object."
NO_TYPE = "An activity needs a type."
UNREADABLE_ACTIVITY = "Parley could not read this activity."
UNREADABLE_CARD = "Parley could not read what the card sent."
TOO_LONG = "That is too long for Parley to keep."
NOT_AUTHENTICATED = "Not authenticated."
CANNOT_AUTHENTICATE = "Parley can't check who this is from just now; try again."
TEAMS_ONLY = "Parley talks to Microsoft Teams only."
NOT_FROM_TEAMS = "This activity is not from Microsoft Teams."
NOT_SIGNED_BY_SLACK = "This request is not signed by Slack."
UNREADABLE_REQUEST = "Parley could not read this request."
