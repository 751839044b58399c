"""What a person is told when Parley can't reach their chat platform and so can't act on what they did."""

NOTHING_CHANGED = "Nothing changed"  # the title of the modal that says so

SLACK_NOT_KNOWN_YET = (
    "Parley can't reach Slack just now, so it can't do this yet. Nothing has been changed. "
    "Please try again in a few minutes."
)
