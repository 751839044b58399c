"""What a platform's front end raises when its settings are wrong, before the server starts."""

from __future__ import annotations


class ConfigError(Exception):
    """A platform is set up wrongly; the message says, in plain words, what to change."""
