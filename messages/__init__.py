# The core words its identifier refusals with messages/identifiers.py, which it may not import:
# importing any of messages/ hands them over.
from messages import identifiers as _identifiers  # noqa: F401
