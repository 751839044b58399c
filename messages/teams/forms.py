"""Parley's forms as cards: intake, the forms on a dispute, the record, and what they say when done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.dispute import MAX_REASON, MAX_TEXT
from bot.intake import NO, REFERENCE_MAX, YES
from messages import files as file_words
from messages.teams.base import (
    CHOICES_MAX,
    DESCRIPTION_MAX,
    PEOPLE_DATASET,
    RECORD_MAX,
    SEARCH_MAX,
    SEARCH_RESPONSE,
    Card,
    Element,
    Field,
    Mentions,
    Verb,
    _subtle,
    button,
    card,
    dispute_data,
    esc,
    markdown,
    plain,
    text_block,
)
from messages.text import IMMEDIATE_RISK, DisputeView, by_when, told_on_raising, who_with_role


def record_card(view: DisputeView, record: str) -> Card:
    """The whole record as plain text, never read as markdown (each line escaped)."""
    shown = record if len(record) <= RECORD_MAX else record[:RECORD_MAX]
    lines = [esc(line.strip()) for line in shown.splitlines() if line.strip()]
    body: list[Element] = [
        text_block(f"**Record · case {esc(view.reference)}**"),
        text_block("\n\n".join(lines), fontType="Monospace", size="Small", id="record"),
    ]
    if len(record) > RECORD_MAX:
        body.append(_subtle("The record is longer than Teams can show. Ask an administrator for the full record (app.py record show)."))
    # who sees this card may see the record, so may export it (the same rule: bot.permissions.may_do)
    return card(body, [button("Back", Verb.BACK, dispute_data(view), inputs=False), button(file_words.EXPORT_TITLE, Verb.EXPORT_RECORD, dispute_data(view), inputs=False)])


# --- forms -----------------------------------------------------------------------------------------------


def _text_input(
    field: Field,
    label: str,
    max_length: int,
    values: Mapping[str, str],
    *,
    multiline: bool = False,
    required: bool = False,
    placeholder: str = "",
) -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": field.value,
        "label": label,
        "isMultiline": multiline,
        "maxLength": max_length,
        "isRequired": required,
    }
    if required:
        element["errorMessage"] = "Please fill this in."
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if values.get(field.value):
        element["value"] = values[field.value]
    return element


def _choice_input(
    field: Field,
    label: str,
    choices: Sequence[tuple[str, str]],
    values: Mapping[str, str],
    *,
    required: bool = False,
    expanded: bool = False,
    filtered: bool = False,
    dataset: str | None = None,
) -> Element:
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": field.value,
        "label": label,
        "style": "filtered" if filtered else ("expanded" if expanded else "compact"),
        "isRequired": required,
        "choices": [{"title": plain(title), "value": value} for value, title in choices],
    }
    if dataset:
        # Typeahead: Teams asks the bot (an application/search invoke) as the person types, sending the
        # card's other inputs too (their agency, if chosen, narrows the search). A client that can't
        # query shows `choices` instead.
        element["choices.data"] = {"type": "Data.Query", "dataset": dataset, "associatedInputs": "auto"}
    if required:
        element["errorMessage"] = "Please choose one."
    if values.get(field.value):
        element["value"] = values[field.value]
    return element


def _input(field: Field, element: Element, errors: Mapping[str, str], *, hint: str = "") -> list[Element]:
    """An input, its hint, and the error beside it when there is one."""
    out = [element]
    if hint:
        out.append(_subtle(esc(hint), spacing="None"))
    if field.value in errors:
        out.append(text_block(esc(errors[field.value]), id=f"error.{field.value}", color="Attention", size="Small", spacing="None"))
    return out


def _yes_no(field: Field, label: str, values: Mapping[str, str]) -> Element:
    return _choice_input(field, label, [(YES, "Yes"), (NO, "No")], values, required=True, expanded=True)


def _errors_banner(errors: Mapping[str, str]) -> list[Element]:
    if not errors:
        return []
    n = len(errors)
    return [text_block(f"Please check the {'field' if n == 1 else f'{n} fields'} marked below. Nothing has been saved yet.", color="Attention", id="errors")]


def intake_card(
    *,
    categories: Sequence[str],
    agencies: Sequence[tuple[str, str]],
    my_agencies: Sequence[tuple[str, str]],
    people: Sequence[tuple[str, str]],
    procedure: str,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    origin: str | None = None,
) -> Card:
    """The `disagree` form: the same fields, hints and checks as the Slack modal.

    Categories are offered by index (their text can be long); `people` are (person id, "Name (Agency)").
    `origin` is the group chat it was asked for in: the dispute's thread goes there."""
    values, errors = values or {}, errors or {}
    body: list[Element] = [
        text_block("**Raise a professional disagreement**", size="Medium"),
        _subtle(f"Under {esc(procedure)}. Use the case reference only: never a child's name."),
        *_errors_banner(errors),
    ]
    body += _input(
        Field.REFERENCE,
        _text_input(Field.REFERENCE, "Case reference", REFERENCE_MAX, values, required=True, placeholder="e.g. CSC-2026-0193"),
        errors,
        hint="The reference from your case system. No names.",
    )
    body += _input(
        Field.CATEGORY,
        _choice_input(Field.CATEGORY, "What is it about?", [(str(i), c) for i, c in enumerate(categories)][:100], values, required=True),
        errors,
    )
    if len(my_agencies) > 1:
        body += _input(Field.RAISER_AGENCY, _choice_input(Field.RAISER_AGENCY, "You're raising this for", my_agencies, values, required=True), errors)
    body += _input(
        Field.OTHER_PERSON,
        _choice_input(
            Field.OTHER_PERSON,
            "The other professional",
            people[:CHOICES_MAX],
            values,
            filtered=True,
            dataset=PEOPLE_DATASET,
        ),
        errors,
        hint="Type 2 or more letters of their name to find them in Parley's directory, on Teams or Slack. "
        "If they aren't there, choose their agency and give their role below.",
    )
    body += _input(Field.OTHER_AGENCY, _choice_input(Field.OTHER_AGENCY, "Their agency", agencies[:100], values), errors)
    body += _input(
        Field.OTHER_DESCRIPTION,
        _text_input(Field.OTHER_DESCRIPTION, "Their role", DESCRIPTION_MAX, values, placeholder="e.g. duty sergeant, health visitor"),
        errors,
        hint="Their job, not their name, if they aren't listed.",
    )
    body += _input(
        Field.PROBLEM,
        _text_input(Field.PROBLEM, "What is the problem?", MAX_TEXT, values, multiline=True, required=True),
        errors,
        hint="The decision or action you disagree with.",
    )
    body += _input(Field.CAUSE, _text_input(Field.CAUSE, "What might be causing it? (optional)", MAX_TEXT, values, multiline=True), errors)
    body += _input(Field.OUTCOME, _text_input(Field.OUTCOME, "What outcome do you need?", MAX_TEXT, values, multiline=True, required=True), errors)
    body += _input(Field.DISCUSSED, _yes_no(Field.DISCUSSED, "Have you discussed it with the other professional?", values), errors)
    body += _input(
        Field.IMMEDIATE_RISK,
        _yes_no(Field.IMMEDIATE_RISK, "Is a child at immediate risk of significant harm?", values),
        errors,
        hint="If yes, also use your organisation's safeguarding procedures now. Parley starts this on the urgent, same-working-day path.",
    )
    if origin:
        body.append(_subtle("Its thread, with each step and note, will be posted in the group chat you asked from. Use the case reference only."))
    return card(body, [button("Raise it", Verb.INTAKE, {"origin": origin} if origin else None, style="positive")])


def person_title(name: str, agencies: Sequence[str]) -> str:
    """How a person is offered in the "other professional" choices: "Name (Agency)", nothing else about them."""
    return f"{name} ({', '.join(agencies)})" if agencies else name


def search_response(found: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, Any]:
    """The body answering an application/search invoke: one result per (person id, name, agency names)."""
    results = [{"title": plain(person_title(name, agencies)), "value": person_id} for person_id, name, agencies in found]
    return {"type": SEARCH_RESPONSE, "value": {"results": results[:SEARCH_MAX]}}


def raised_card(view: DisputeView, *, teams_ids: Mapping[str, str] | None = None) -> Card:
    """What the practitioner sees once the disagreement is raised (it replaces the form)."""
    mention = Mentions(teams_ids)
    body: list[Element] = []
    if view.immediate_risk:
        body.append(text_block(f"**{esc(IMMEDIATE_RISK)}**", color="Attention"))
    asked = markdown(who_with_role(view.asked), mention) or "nobody could be found yet: the partnership will be told"
    body += [
        text_block(f"**Raised: case {esc(view.reference)}.** {esc(told_on_raising(view))}", color="Good", id="raised"),
        text_block(f"**{esc(view.stage_name)}**\n\nDue **{esc(by_when(view.deadline))}**.\n\nAsked to act: {asked}."),
    ]
    if view.stage_guidance:
        body.append(_subtle(esc(view.stage_guidance)))
    return card(body, [button("View record", Verb.VIEW_RECORD, dispute_data(view), inputs=False)], mention)


def _form(
    title: str,
    view: DisputeView,
    fields: list[Element],
    submit: tuple[str, Verb],
    errors: Mapping[str, str],
    data: Mapping[str, Any],
    *,
    style: str = "positive",
) -> Card:
    body: list[Element] = [
        text_block(f"**{esc(title)}**", size="Medium"),
        _subtle(f"Case **{esc(view.reference)}** · {esc(view.stage_name)}"),
        *_errors_banner(errors),
        *fields,
    ]
    actions = [button(submit[0], submit[1], data, style=style), button("Cancel", Verb.BACK, dispute_data(view), inputs=False)]
    return card(body, actions)


def resolve_form(view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    values, errors = values or {}, errors or {}
    fields = _input(
        Field.AGREED_OUTCOME,
        _text_input(Field.AGREED_OUTCOME, "Agreed outcome", MAX_TEXT, values, multiline=True, required=True),
        errors,
        hint="What both sides have agreed will happen.",
    )
    fields += _input(Field.OUTSTANDING_ISSUES, _text_input(Field.OUTSTANDING_ISSUES, "How will outstanding issues be pursued? (optional)", MAX_TEXT, values, multiline=True), errors)
    fields += _input(
        Field.LEARNING_POINTS,
        _text_input(Field.LEARNING_POINTS, "Learning points (optional)", MAX_TEXT, values, multiline=True),
        errors,
        hint="Shared with the partnership to improve practice.",
    )
    fields.append(_subtle("The other side is asked to confirm in writing. It is resolved only when both sides have confirmed."))
    return _form("Resolve", view, fields, ("Propose", Verb.RESOLVE_SUBMIT), errors, data)


def escalate_form(
    view: DisputeView, data: Mapping[str, Any], *, next_stage: str, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    values, errors = values or {}, errors or {}
    fields = [text_block(f"This moves the disagreement to **{esc(next_stage)}**; Parley tells the people at that stage in both agencies.")]
    fields += _input(Field.REASON, _text_input(Field.REASON, "Why are you escalating it?", MAX_REASON, values, multiline=True, required=True), errors)
    return _form("Escalate", view, fields, ("Escalate", Verb.ESCALATE_SUBMIT), errors, data)


def note_form(view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    values, errors = values or {}, errors or {}
    fields = _input(
        Field.NOTE,
        _text_input(Field.NOTE, "Note", MAX_TEXT, values, multiline=True, required=True),
        errors,
        hint="It goes on the record and in every thread.",
    )
    return _form("Add a note", view, fields, ("Add note", Verb.ADD_NOTE_SUBMIT), errors, data)


def withdraw_form(view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    values, errors = values or {}, errors or {}
    fields = [text_block("This closes the disagreement for both agencies. Everything so far stays on the record.")]
    fields += _input(
        Field.REASON,
        _text_input(Field.REASON, "Why are you withdrawing it?", MAX_REASON, values, multiline=True, required=True),
        errors,
        hint="For example: resolved by phone, or raised in error.",
    )
    return _form("Withdraw", view, fields, ("Withdraw it", Verb.WITHDRAW_SUBMIT), errors, data, style="destructive")


def close_unresolved_form(
    view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    values, errors = values or {}, errors or {}
    fields = [
        text_block(
            "This is the last stage of the procedure. Closing it records that the decision stands unchanged "
            "and the disagreement remains. Both agencies are told."
        )
    ]
    fields += _input(
        Field.REASON,
        _text_input(Field.REASON, "Why is it being closed?", MAX_REASON, values, multiline=True, required=True),
        errors,
        hint="It goes on the record and in every thread.",
    )
    return _form("Close unresolved", view, fields, ("Close it", Verb.CLOSE_UNRESOLVED_SUBMIT), errors, data, style="destructive")
