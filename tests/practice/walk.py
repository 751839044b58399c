"""The practice walk in a real browser: one disagreement from /disagree to the record, across Slack and Teams.

Used by tests/practice/test_browser.py (and runnable against a running `make run` by hand). Each step
asserts on what the page shows and saves a screenshot in `shots`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
CHROMIUM = "/usr/bin/chromium"

REFERENCE = "CSC-2026-0042"


class Walk:
    def __init__(self, page: Any, base: str, shots: Path) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.n = 0
        self.taken: list[Path] = []

    def shot(self, name: str) -> None:
        self.n += 1
        path = self.shots / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)

    def be(self, person_id: str) -> None:
        self.page.select_option("#who", person_id)
        self.page.wait_for_function("id => document.getElementById('main').dataset.person === id", arg=person_id)

    def idle(self) -> None:
        self.page.wait_for_function("() => !document.body.hasAttribute('aria-busy')")

    def channel(self) -> str:
        return self.page.locator("#channel").inner_text()

    def direct(self) -> str:
        return self.page.locator("#direct").inner_text()

    def wait_text(self, where: str, text: str, timeout: float = 15000) -> None:
        self.page.locator(where).get_by_text(text, exact=False).first.wait_for(timeout=timeout)


def walk(page: Any, base: str, shots: Path) -> Walk:
    w = Walk(page, base, shots)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/")
    page.locator("#who option").first.wait_for(state="attached")
    assert "Practice — not for real cases" in page.locator("#banner").inner_text()

    # a fresh practice on the LSCB procedure (urgent cases start with the line managers)
    page.select_option("#preset", "lscb")
    page.get_by_role("button", name="Start fresh with this procedure").click()
    w.wait_text("#status", "fresh practice on lscb")
    assert "Local Safeguarding Children Board" in page.locator("#procedure").inner_text()

    # 1. Amara, a practitioner on Slack, types /disagree
    w.be("amara.okafor")
    page.get_by_label("Message Parley (Slack: type /disagree)").fill("/disagree")
    page.get_by_role("button", name="Send").click()
    dialog = page.locator("#modal")
    dialog.get_by_text("Raise a disagreement").wait_for()
    w.shot("slack-disagree-form")

    # 2. the form: the other professional is on Teams, found in Parley's directory
    dialog.get_by_label("Case reference").fill(REFERENCE)
    dialog.get_by_label("What is it about?").select_option(index=1)
    dialog.get_by_label("Their agency").select_option("police")
    dialog.get_by_label("Search").fill("Jones")
    dialog.locator("select[name=other_in_directory] option[value='rhys.jones']").wait_for(state="attached")
    dialog.locator("select[name=other_in_directory]").select_option("rhys.jones")
    dialog.get_by_label("What is the problem?").fill("The referral was closed with no further action.")
    dialog.get_by_label("What outcome do you need?").fill("A strategy discussion today.")
    dialog.locator("[data-block=discussed]").get_by_label("Yes").check()
    dialog.locator("[data-block=immediate_risk]").get_by_label("Yes").check()
    w.shot("slack-form-filled")
    dialog.get_by_role("button", name="Raise it").click()
    dialog.get_by_text(f"Raised: case {REFERENCE}").wait_for()
    assert "Line managers discuss" in dialog.inner_text()
    w.shot("slack-raised")
    dialog.get_by_role("button", name="Close").click()
    w.idle()

    # 3. the thread, with both line managers pinged: Ben Hughes on Slack, DS Sana Khan on Teams
    w.wait_text("#channel", f"Professional disagreement · {REFERENCE}")
    thread = w.channel()
    assert "@Ben Hughes" in thread and "DS Sana Khan" in thread, thread
    w.shot("slack-thread-managers-pinged")

    # 4. DS Sana Khan, the police line manager, escalates on Teams
    w.be("sana.khan")
    w.wait_text("#direct", "asked to act as a line manager")
    w.shot("teams-asked-to-act")
    page.locator("#direct .card").last.get_by_role("button", name="Escalate").click()
    w.idle()
    reason = page.locator("#direct .card").last.get_by_label(re.compile("why", re.I))
    reason.wait_for()
    reason.fill("No strategy discussion has been offered; the risk needs a decision above us.")
    w.shot("teams-escalate-form")
    page.locator("#direct .card").last.get_by_role("button", name="Escalate").click()
    w.idle()
    w.wait_text("#channel", "escalated this from")
    assert "LSCB representative" in w.channel()
    w.shot("teams-thread-escalated")

    # 5. nobody acts in time: move the practice clock just past the deadline
    before = page.locator("#clock").inner_text()
    page.get_by_label("Move the clock to").select_option("deadline")
    page.get_by_role("button", name="Move the clock").click()
    w.idle()
    w.wait_text("#status", "The practice clock now says")
    assert page.locator("#clock").inner_text() != before

    # 6. the automatic escalation, in the Teams thread
    w.wait_text("#channel", "Parley escalated this")
    assert "Board Manager" in w.channel()
    w.shot("automatic-escalation")

    # 7. the partnership's Board Manager (on Slack) proposes a resolution
    w.be("partnership.board_manager")
    w.wait_text("#direct", "asked to act as an LSCB Board Manager")
    page.locator("#channel").get_by_role("button", name="Resolve").first.click()
    dialog.get_by_label(re.compile("agreed outcome", re.I)).first.fill("A strategy discussion at 3pm today, chaired by the police.")
    w.shot("slack-resolution-proposed")
    dialog.get_by_role("button", name=re.compile("Propose|Send|Submit|Resolve")).last.click()
    w.idle()
    w.wait_text("#channel", "proposed a resolution")
    assert "Waiting for confirmation" in w.channel()
    w.shot("slack-thread-awaiting-confirmation")
    if page.evaluate("document.getElementById('modal').open"):
        dialog.get_by_role("button", name="Close").click()
        w.idle()

    # 8. both parties confirm, each in their own words, each on their own platform
    w.be("amara.okafor")
    w.wait_text("#direct", "proposed a resolution")
    page.locator("#direct").get_by_role("button", name="Confirm").last.click()
    w.idle()
    dialog.get_by_label(re.compile("own words", re.I)).first.fill("Agreed for children's social care: the strategy discussion is at 3pm.")
    w.shot("slack-raiser-writes-confirmation")
    dialog.get_by_role("button", name="Confirm").last.click()
    w.idle()
    w.wait_text("#direct", "You confirmed the agreed outcome")
    w.shot("slack-raiser-confirms")
    if page.evaluate("document.getElementById('modal').open"):
        dialog.get_by_role("button", name="Close").click()
        w.idle()
    w.be("rhys.jones")
    w.wait_text("#direct", "proposed a resolution")
    card = page.locator("#direct .card").last
    card.get_by_label(re.compile("own words|statement|confirm", re.I)).first.fill("Agreed for the police: we will chair it at 3pm.")
    card.get_by_role("button", name="Confirm").click()
    w.idle()
    w.wait_text("#direct", "Both sides have now confirmed")
    w.shot("teams-other-party-confirms")

    # 9. the record
    w.be("amara.okafor")
    page.locator("#channel").get_by_role("button", name="View record").first.click()
    dialog.get_by_text("Agreed for the police: we will chair it at 3pm.").wait_for()
    record = dialog.inner_text()
    assert "resolved" in record.lower() and REFERENCE in record
    w.shot("slack-record")
    page.keyboard.press("Escape")  # a modal closes from the keyboard
    page.wait_for_function("() => !document.getElementById('modal').open")

    # 10. at 200% zoom (half the CSS width) nothing needs scrolling sideways; the keyboard reaches everything
    page.set_viewport_size({"width": 640, "height": 900})
    page.reload()  # the person chosen stays chosen
    page.locator("#channel .thread").first.wait_for()
    assert page.locator("#who").input_value() == "amara.okafor"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the conversation"
    page.get_by_label("Message Parley (Slack: type /disagree)").fill("/disagree")
    page.get_by_label("Message Parley (Slack: type /disagree)").press("Enter")
    dialog.get_by_text("Raise a disagreement").wait_for()
    assert page.evaluate("document.activeElement.name") == "reference", "the form's first field has the focus"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    w.shot("zoom-200-keyboard")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('modal').open")
    return w
