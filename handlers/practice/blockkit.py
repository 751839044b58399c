"""A small Block Kit renderer: the blocks and elements Parley's Slack builders use, as HTML.

Everything from a payload is escaped before any markup is added: mrkdwn's own escapes (&amp;
&lt; &gt;) are undone, the text is HTML-escaped, then *bold*, _italic_, ~strike~, `code`, line
breaks and Slack's <...> references (people, channels, links) are turned into tags. A block or
element type this renderer doesn't know raises UnknownBlock: nothing is silently dropped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

BLOCKS = ("header", "section", "context", "divider", "actions", "input")
ELEMENTS = ("button", "plain_text_input", "static_select", "radio_buttons", "users_select", "external_select")
TEXTS = ("mrkdwn", "plain_text")
EMOJI = {
    # symbols most system fonts have, so no emoji font (or image from outside) is needed
    "rotating_light": "\u26a0", "warning": "\u26a0", "white_check_mark": "\u2714", "heavy_check_mark": "\u2714",
    "hourglass": "\u231b", "bell": "\u266a", "x": "\u2716", "arrow_up": "\u2191",
}  # fmt: skip


class UnknownBlock(ValueError):
    """A block, element or text type the practice renderer can't show."""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


_REFERENCE = re.compile(r"<([^<>\n]+)>")
_FORMATS = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)_(?![\w_])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)~(?![\w~])"), r"<del>\1</del>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
)


def _reference(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f'<span class="sk-mention">@{_e(names.get(target[1:], label or "someone"))}</span>'
    if target.startswith("#"):
        return f'<span class="sk-mention">#{_e(label or names.get(target[1:], "parley-practice"))}</span>'
    if target.startswith("!"):
        return f'<span class="sk-mention">@{_e(label or target[1:].split("^")[0])}</span>'
    text = _e(_unslack(label or target))
    if target.startswith(("#", "https://", "http://")):
        return f'<a href="{_e(_unslack(target))}" rel="noopener noreferrer">{text}</a>'
    return text


def _unslack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn (already escaped the Slack way) as safe HTML."""
    names = names or {}
    refs: list[str] = []

    def keep(m: re.Match[str]) -> str:
        refs.append(_reference(m.group(1), names))
        return f"\x00{len(refs) - 1}\x00"

    out = _e(_unslack(_REFERENCE.sub(keep, text or "")))
    for pattern, tag in _FORMATS:
        out = pattern.sub(tag, out)
    out = re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), out)
    out = out.replace("\n", "<br>")
    return re.sub("\x00(\\d+)\x00", lambda m: refs[int(m.group(1))], out)


def text(obj: Mapping[str, Any] | None, names: Mapping[str, str] | None = None) -> str:
    if not obj:
        return ""
    kind = obj.get("type")
    if kind == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), names)
    if kind == "plain_text":
        return _e(obj.get("text", "")).replace("\n", "<br>")
    raise UnknownBlock(f"text object type {kind!r}")


class Renderer:
    """Renders blocks for one viewer: `names` shows <@U...> as a name, `users` fills users_select."""

    def __init__(self, names: Mapping[str, str] | None = None, users: Sequence[tuple[str, str]] = ()) -> None:
        self.names = dict(names or {})
        self.users = list(users)
        self._n = 0

    def _id(self, stem: str) -> str:
        self._n += 1
        return f"sk-{stem}-{self._n}"

    def blocks(self, blocks: Sequence[Mapping[str, Any]], errors: Mapping[str, str] | None = None) -> str:
        return "".join(self.block(b, errors or {}) for b in blocks)

    def block(self, b: Mapping[str, Any], errors: Mapping[str, str]) -> str:
        kind = b.get("type")
        match kind:
            case "header":
                return f'<h3 class="sk-header">{text(b.get("text"), self.names)}</h3>'
            case "divider":
                return '<hr class="sk-divider">'
            case "section":
                parts = [f'<div class="sk-text">{text(b["text"], self.names)}</div>'] if b.get("text") else []
                if b.get("fields"):
                    parts.append('<div class="sk-fields">' + "".join(f"<div>{text(f, self.names)}</div>" for f in b["fields"]) + "</div>")
                if b.get("accessory"):
                    parts.append(f'<div class="sk-accessory">{self.element(b["accessory"])}</div>')
                return f'<div class="sk-section">{"".join(parts)}</div>'
            case "context":
                return '<div class="sk-context">' + " ".join(self._context_item(e) for e in b.get("elements", [])) + "</div>"
            case "actions":
                return '<div class="sk-actions">' + "".join(self.element(e) for e in b.get("elements", [])) + "</div>"
            case "input":
                return self._input(b, errors)
        raise UnknownBlock(f"block type {kind!r}")

    def _context_item(self, e: Mapping[str, Any]) -> str:
        if e.get("type") == "image":
            return f'<span class="sk-image">{_e(e.get("alt_text", ""))}</span>'  # no image is fetched from outside
        return f"<span>{text(e, self.names)}</span>"

    def element(self, e: Mapping[str, Any], *, field: str = "", labelled_by: str = "") -> str:
        kind = e.get("type")
        if kind == "button":
            confirm = e.get("confirm")
            data = {"action-id": e.get("action_id", ""), "value": e.get("value", "")}
            if confirm:
                question = " ".join(x for x in (_plain_of(confirm.get("title")), _plain_of(confirm.get("text"))) if x)
                data["confirm"] = question
            attrs = " ".join(f'data-{k}="{_e(v)}"' for k, v in data.items())
            style = f" sk-{_e(e['style'])}" if e.get("style") in ("primary", "danger") else ""
            return f'<button type="button" class="sk-button{style}" {attrs}>{text(e.get("text"), self.names)}</button>'
        if not field:
            raise UnknownBlock(f"element type {kind!r} outside an input block")
        aria = f' aria-labelledby="{labelled_by}"' if labelled_by else ""
        name = f'name="{_e(field)}" id="{_e(field)}-input"'
        match kind:
            case "plain_text_input":
                limit = f' maxlength="{int(e["max_length"])}"' if e.get("max_length") else ""
                hint = f' placeholder="{_e(_plain_of(e.get("placeholder")))}"' if e.get("placeholder") else ""
                value = _e(e.get("initial_value", ""))
                if e.get("multiline"):
                    return f'<textarea {name} rows="3"{limit}{hint}{aria}>{value}</textarea>'
                return f'<input type="text" {name}{limit}{hint}{aria} value="{value}">'
            case "static_select" | "users_select":
                options = [(o["value"], _plain_of(o["text"])) for o in e.get("options", [])] if kind == "static_select" else self.users
                items = "".join(f'<option value="{_e(v)}">{_e(t)}</option>' for v, t in options)
                return f'<select {name}{aria}><option value="">Choose…</option>{items}</select>'
            case "radio_buttons":
                items = "".join(
                    f'<label class="sk-radio"><input type="radio" name="{_e(field)}" value="{_e(o["value"])}"> {_e(_plain_of(o["text"]))}</label>'
                    for o in e.get("options", [])
                )
                return f'<div role="radiogroup"{aria}>{items}</div>'
            case "external_select":
                search = self._id("search")
                hint = _e(_plain_of(e.get("placeholder")) or "Type to search")
                return (
                    f'<div class="sk-external" data-field="{_e(field)}" data-min="{int(e.get("min_query_length", 1))}">'
                    f'<label class="sk-sub" for="{search}">Search</label> <input type="search" id="{search}" class="sk-search" placeholder="{hint}">'
                    f'<label class="sk-sub" for="{_e(field)}-input">Found</label> <select {name}><option value="">(type above first)</option></select></div>'
                )
        raise UnknownBlock(f"element type {kind!r}")

    def _input(self, b: Mapping[str, Any], errors: Mapping[str, str]) -> str:
        field = str(b["block_id"])
        label_id = self._id("label")
        kind = b["element"].get("type")
        target = "" if kind in ("radio_buttons", "external_select") else f' for="{_e(field)}-input"'
        optional = ' <span class="sk-optional">(optional)</span>' if b.get("optional") else ""
        out = [f'<div class="sk-input" data-block="{_e(field)}" data-kind="{_e(kind)}">']
        out.append(f'<label id="{label_id}" class="sk-label"{target}>{text(b.get("label"), self.names)}{optional}</label>')
        out.append(self.element(b["element"], field=field, labelled_by=label_id))
        if b.get("hint"):
            out.append(f'<div class="sk-hint">{text(b["hint"], self.names)}</div>')
        if field in errors:
            out.append(f'<div class="sk-error" role="alert">{_e(errors[field])}</div>')
        out.append("</div>")
        return "".join(out)

    def modal(self, view: Mapping[str, Any]) -> str:
        """A modal: its title, blocks, and the submit and close buttons Slack draws."""
        kind = view.get("type")
        if kind not in ("modal", "home"):
            raise UnknownBlock(f"view type {kind!r}")
        body = self.blocks(view.get("blocks", []), view.get("errors") or {})
        title = text(view.get("title"), self.names) or "Parley"
        submit = f'<button type="submit" class="sk-button sk-primary">{text(view["submit"])}</button>' if view.get("submit") else ""
        close = text(view.get("close")) or "Close"
        return (
            f'<form class="sk-modal" data-view="{_e(view.get("id", ""))}"><h2 class="sk-modal-title" id="modal-title">{title}</h2>'
            f'<div class="sk-modal-body">{body}</div><div class="sk-modal-buttons">'
            f'<button type="button" class="sk-button" data-close="1">{close}</button>{submit}</div></form>'
        )


def _plain_of(obj: Mapping[str, Any] | None) -> str:
    return str(obj.get("text", "")) if obj else ""


def types_in(payload: Any) -> set[tuple[str, str]]:
    """Every ("block" | "element" | "text", type) in a Block Kit payload, to check the renderer knows them all."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, Mapping):
            kind = node.get("type")
            if isinstance(kind, str):
                found.add((where, kind))
            for key, value in node.items():
                if key in ("blocks",):
                    walk(value, "block")
                elif key in ("element", "accessory", "elements"):
                    walk(value, "element")
                elif key in ("text", "label", "hint", "placeholder", "title", "submit", "close", "confirm", "deny", "fields"):
                    walk(value, "text")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(json.loads(json.dumps(payload)), "view")
    return found
