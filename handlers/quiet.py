"""Silence one known, harmless log line of a library while Parley builds something."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_line(logger_name: str, containing: str) -> Iterator[None]:
    """Drop `logger_name`'s records whose message contains `containing`, for the length of the block."""
    logger = logging.getLogger(logger_name)
    quiet = logging.Filter()
    quiet.filter = lambda record: containing not in record.getMessage()  # type: ignore[method-assign]
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)
