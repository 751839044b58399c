"""The practice Block Kit renderer: escaping first, Slack's references, and no unknown type let through."""

from __future__ import annotations

import pytest

from handlers.practice.blockkit import Renderer, UnknownBlock, mrkdwn, types_in


def test_text_from_a_payload_is_escaped_before_any_markup() -> None:
    # Parley escapes user text the Slack way (&amp; &lt; &gt;); the page must show it as text
    shown = mrkdwn("*Problem:* &lt;script&gt;alert(1)&lt;/script&gt; &amp; \"quotes\"")
    assert "<script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in shown
    assert shown.startswith("<strong>Problem:</strong>")


def test_markup_smuggled_into_a_plain_text_object_stays_text() -> None:
    html = Renderer().blocks([{"type": "header", "text": {"type": "plain_text", "text": "<img src=x onerror=alert(1)>"}}])
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_people_channels_and_links_are_shown_by_name() -> None:
    shown = mrkdwn("Asked: <@U0BEN> in <#C0PRACTICE> <https://example.org/a?b=1&amp;c=2|the guide> <!here>", {"U0BEN": "Ben Hughes"})
    assert '<span class="sk-mention">@Ben Hughes</span>' in shown
    assert "#parley-practice" in shown
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">the guide</a>' in shown
    assert "@here" in shown


def test_a_reference_that_is_not_a_link_is_not_made_one() -> None:
    assert "<a " not in mrkdwn("<javascript:alert(1)|click>")


def test_bold_italic_strike_code_and_line_breaks() -> None:
    assert mrkdwn("*a* _b_ ~c~ `d`\nnext") == "<strong>a</strong> <em>b</em> <del>c</del> <code>d</code><br>next"
    assert mrkdwn("snake_case_word and 2*3*4") == "snake_case_word and 2*3*4"


def test_buttons_carry_their_action_value_and_confirmation() -> None:
    html = Renderer().blocks(
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button", "action_id": "parley.confirm", "value": "d1:3", "style": "primary",
                        "text": {"type": "plain_text", "text": "Confirm"},
                        "confirm": {"title": {"type": "plain_text", "text": "Sure?"}, "text": {"type": "mrkdwn", "text": "On the record."}},
                    }
                ],
            }
        ]
    )  # fmt: skip
    assert 'data-action-id="parley.confirm"' in html and 'data-value="d1:3"' in html
    assert 'data-confirm="Sure? On the record."' in html and "sk-primary" in html


def test_inputs_are_labelled_and_show_their_error() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Raise"},
        "submit": {"type": "plain_text", "text": "Raise it"},
        "errors": {"reference": "That looks like a name."},
        "blocks": [
            {"type": "input", "block_id": "reference", "label": {"type": "plain_text", "text": "Case reference"},
             "element": {"type": "plain_text_input", "action_id": "value", "max_length": 64}},
            {"type": "input", "block_id": "who", "optional": True, "label": {"type": "plain_text", "text": "Who"},
             "element": {"type": "users_select", "action_id": "value"}},
        ],
    }  # fmt: skip
    html = Renderer(users=[("U0BEN", "Ben Hughes")]).modal(view)
    assert '<label id="sk-label-1" class="sk-label" for="reference-input">Case reference</label>' in html
    assert 'id="reference-input"' in html and 'maxlength="64"' in html
    assert 'role="alert">That looks like a name.</div>' in html
    assert '<option value="U0BEN">Ben Hughes</option>' in html
    assert "(optional)" in html and ">Raise it</button>" in html


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "video", "title": {"type": "plain_text", "text": "x"}}],
        [{"type": "actions", "elements": [{"type": "datepicker", "action_id": "d"}]}],
        [{"type": "section", "text": {"type": "rich_text", "text": "x"}}],
    ],
)
def test_an_unknown_type_fails_loudly(blocks: list[dict]) -> None:
    with pytest.raises(UnknownBlock):
        Renderer().blocks(blocks)


def test_types_in_finds_blocks_elements_and_texts() -> None:
    found = types_in(
        {"type": "modal", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"},
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "b"}}}]}
    )  # fmt: skip
    assert found == {("view", "modal"), ("block", "section"), ("text", "mrkdwn"), ("element", "button"), ("text", "plain_text")}
