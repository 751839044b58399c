"""Where someone can follow a dispute, and what the threads say when Parley can't reach someone."""

from __future__ import annotations

from bot.directory import PLATFORM_NAMES
from messages.text.lines import Line, Said, Strong
from messages.text.view import DisputeView, PersonView

# Where a direct message points for the whole thread (bot.plan.Spaces decides which one applies)
THREAD_IN_CHANNEL = "The whole thread is in Parley's channel: look for the case reference."
THREAD_IN_AGENCY_CHANNEL = "The whole thread is in your agency's Parley channel: look for the case reference."
# (true of what bot.plan tells them: asked to act, reminded, asked to confirm; not every move of the case)
NO_THREAD = "There is no Parley channel you can open for this case, so here is where it stands. Parley messages you here whenever it needs you to act."


def unreachable_line(view: DisputeView, person: PersonView, platform: str, why: str) -> Line:
    """The thread's warning that Parley couldn't reach someone for good, so the people following it must tell them."""
    where = PLATFORM_NAMES.get(platform, platform)
    agency = (" (", Said(person.agency), ")") if person.agency else ()
    return (
        Strong("Parley"), " couldn't reach ", Strong(person.name), *agency, f" on {where} (", Said(why), "). ",
        "Please make sure they know about case ", Strong(view.reference), " another way.",
    )  # fmt: skip


def unreachable_summary(person: PersonView, platform: str) -> str:
    return f"Parley couldn't reach {person.name} on {PLATFORM_NAMES.get(platform, platform)}"


# Why a Slack message to someone in another workspace isn't sent (Parley's token is for one workspace)
NOT_IN_THEIR_SLACK_WORKSPACE = "Parley isn't installed in their Slack workspace"
