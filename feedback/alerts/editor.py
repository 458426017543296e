"""The condition editor: a form field whose widget shows conditions as rows, never as JSON.

Posted names (``<name>`` is the field's name)::

    <name>-match                 all | any, for the outer group
    <name>-g<i>-match            all | any, for nested group i (i >= 1)
    <name>-g<i>-kept             groups nested deeper than the editor shows, as JSON, carried through
                                 (the API may store three levels; the editor shows two)
    <name>-r<n>-group            0 for the outer group, else the nested group's i
    <name>-r<n>-field / -key / -op / -value (text) / -choices (several)

Rows are read in the order of ``n``; a row with nothing chosen or typed is ignored, so the page can
offer blank rows without JavaScript, and the script can add rows with any fresh ``n``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from feedback.alerts.conditions import (
    ALL,
    ANY,
    CHOICES,
    FIELDS,
    IDS,
    MATCHES,
    NONE,
    OPERATOR_LABELS,
    PAIR,
    validate_conditions,
    value_kind,
)
from surveys.models import Survey, Touchpoint

MAX_ROWS = 300
MAX_GROUPS = 30
BLANK_ROWS = 2
_PAIR = re.compile(r"^\s*(-?[\d.,]+)\s*(?:–|—|\.\.|-|,|;|\bto\b|\band\b)\s*(-?[\d.,]+)\s*$", re.IGNORECASE)


@dataclass
class OrgChoices:
    touchpoint: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    survey: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def condition_choices(organization: Organization | None) -> OrgChoices:
    """The organisation's touchpoints and surveys, by name, for the ``in`` conditions on them."""
    if organization is None:
        return OrgChoices()
    touchpoints = Touchpoint.all_orgs.filter(organization=organization).order_by("name", "pk")
    surveys = Survey.all_orgs.filter(organization=organization).order_by("name", "pk")
    return OrgChoices(
        touchpoint=[(str(pk), name) for pk, name in touchpoints.values_list("pk", "name")],
        survey=[(str(pk), name) for pk, name in surveys.values_list("pk", "name")],
    )


# -- reading the posted rows ------------------------------------------------------------------------


def _pair(text: str) -> list[str] | str:
    found = _PAIR.match(text)
    return [found.group(1), found.group(2)] if found else text


def _by_label(text: str, choices: list[tuple[str, str]]) -> list[str]:
    """Typed options (values or labels, comma-separated) as values; unknown ones pass through so that
    validation names them."""
    lookup = {}
    for value, label in choices:
        lookup[value.casefold()] = value
        lookup[str(label).casefold()] = value
    items = [item.strip() for item in text.split(",") if item.strip()]
    return [lookup.get(item.casefold(), item) for item in items]


def _row_value(field_name: str, op: str, text: str, chosen: list[str], choices: OrgChoices) -> Any:
    kind = value_kind(field_name, op)
    if kind == NONE:
        return None
    if kind == PAIR:
        return _pair(text)
    if kind in (CHOICES, IDS):
        if chosen:
            return chosen
        spec = FIELDS[field_name]
        options = spec.choices() if spec.choices is not None else getattr(choices, field_name)
        return _by_label(text, options)
    return text


def _row_condition(data: Mapping[str, Any], prefix: str, choices: OrgChoices) -> dict[str, Any] | None:
    get = data.get
    field_name = str(get(f"{prefix}-field") or "").strip()
    op = str(get(f"{prefix}-op") or "").strip()
    key = str(get(f"{prefix}-key") or "").strip()
    text = str(get(f"{prefix}-value") or "").strip()
    chosen = [str(v) for v in data.getlist(f"{prefix}-choices")] if isinstance(data, MultiValueDict) else []
    if not (field_name or op or key or text or chosen):
        return None
    condition: dict[str, Any] = {"field": field_name, "op": op}
    spec = FIELDS.get(field_name)
    if spec is None or op not in spec.ops:
        # Validation names the missing or wrong part; keep what was typed for the page.
        condition.update({"key": key, "value": text or chosen})
        return condition
    if spec.needs_key:
        condition["key"] = key
    value = _row_value(field_name, op, text, chosen, choices)
    if value is not None:
        condition["value"] = value
    return condition


def _kept(raw: Any) -> list[Any]:
    try:
        kept = json.loads(raw) if isinstance(raw, str) and raw else []
    except ValueError:
        return []
    return kept if isinstance(kept, list) else []


def _indices(data: Mapping[str, Any], pattern: re.Pattern[str], limit: int) -> list[int]:
    found = sorted({int(m.group(1)) for key in data if (m := pattern.match(key)) and len(m.group(1)) < 6})
    return found[:limit]


def read_rows(data: Mapping[str, Any], name: str, choices: OrgChoices) -> dict[str, Any] | None:
    """The condition tree the posted rows describe (not yet validated); None when nothing was posted."""
    if f"{name}-match" not in data:
        return None
    prefix = re.escape(name)
    outer: dict[str, Any] = {"match": data.get(f"{name}-match"), "conditions": []}
    groups: dict[int, dict[str, Any]] = {}
    for i in _indices(data, re.compile(rf"^{prefix}-g(\d+)-match$"), MAX_GROUPS):
        if i > 0:
            groups[i] = {"match": data.get(f"{name}-g{i}-match"), "conditions": []}
    for n in _indices(data, re.compile(rf"^{prefix}-r(\d+)-field$"), MAX_ROWS):
        condition = _row_condition(data, f"{name}-r{n}", choices)
        if condition is None:
            continue
        group_id = str(data.get(f"{name}-r{n}-group") or "0")
        target = groups.get(int(group_id)) if group_id.isdigit() and len(group_id) < 6 else None
        (target or outer)["conditions"].append(condition)
    for i, group in groups.items():
        group["conditions"] += _kept(data.get(f"{name}-g{i}-kept"))
        if group["conditions"]:
            outer["conditions"].append(group)
    return outer


# -- rendering --------------------------------------------------------------------------------------


@dataclass
class Row:
    n: int
    group: int
    field: str = ""
    key: str = ""
    op: str = ""
    text: str = ""
    chosen: list[str] = dataclasses.field(default_factory=list)
    ops: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    options: list[tuple[str, str]] | None = None
    needs_key: bool = True
    key_label: str = ""
    kind: str = ""
    placeholder: str = ""
    # The script's row template uses "__n__" and "__g__", replaced by fresh numbers.
    template: bool = False

    @property
    def id_part(self) -> str:
        return "__n__" if self.template else str(self.n)

    @property
    def group_id(self) -> str:
        return "__g__" if self.template else str(self.group)


@dataclass
class GroupView:
    index: int
    match: str
    rows: list[Row]
    kept: str = ""
    blank: bool = False
    template: bool = False

    @property
    def id_part(self) -> str:
        return "__g__" if self.template else str(self.index)

    @property
    def number(self) -> str:
        """As validation messages count groups: the outer group is 1."""
        return "__gn__" if self.template else str(self.index + 1)


def _all_ops() -> list[tuple[str, str]]:
    return [(op, str(label)) for op, label in OPERATOR_LABELS.items()]


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _make_row(n: int, group: int, data: Mapping[str, Any], choices: OrgChoices) -> Row:
    field_name = str(data.get("field") or "")
    op = str(data.get("op") or "")
    spec = FIELDS.get(field_name)
    value = data.get("value")
    row = Row(n=n, group=group, field=field_name, key=str(data.get("key") or ""), op=op)
    if spec is None:
        row.ops, row.text = _all_ops(), _value_text(value)
        row.key_label = gettext("Question key, hidden field or attribute name (when the field needs one)")
        return row
    row.ops = [(o, str(OPERATOR_LABELS[o])) for o in spec.ops]
    row.needs_key, row.key_label = spec.needs_key, str(spec.key_label).capitalize()
    row.kind = value_kind(field_name, op) if op in spec.ops else ""
    row.placeholder = str(_placeholders().get(row.kind, ""))
    if spec.choices is not None or field_name in ("touchpoint", "survey"):
        row.options = spec.choices() if spec.choices is not None else getattr(choices, field_name)
        row.chosen = [str(v) for v in value] if isinstance(value, list) else []
        if not row.chosen and isinstance(value, str):
            row.chosen = _by_label(value, row.options)
    elif row.kind == PAIR and isinstance(value, list) and len(value) == 2:
        row.text = f"{value[0]} – {value[1]}"
    else:
        row.text = _value_text(value)
    return row


def editor_context(name: str, value: Any, choices: OrgChoices) -> dict[str, Any]:
    """Groups and rows for the template: the tree's conditions plus blank rows and one blank group."""
    tree = value if isinstance(value, Mapping) else {"match": ALL, "conditions": []}
    counter = itertools.count()
    outer_rows: list[Row] = []
    nested: list[GroupView] = []
    items = tree.get("conditions")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        if "field" in item or "conditions" not in item:
            outer_rows.append(_make_row(next(counter), 0, item, choices))
            continue
        index = len(nested) + 1
        rows: list[Row] = []
        deeper: list[Any] = []
        inner = item.get("conditions")
        for sub in inner if isinstance(inner, list) else []:
            if isinstance(sub, Mapping) and "conditions" in sub and "field" not in sub:
                deeper.append(sub)
            elif isinstance(sub, Mapping):
                rows.append(_make_row(next(counter), index, sub, choices))
        rows.append(_make_row(next(counter), index, {}, choices))
        nested.append(GroupView(index, _match(item.get("match")), rows, json.dumps(deeper) if deeper else ""))
    outer_rows += [_make_row(next(counter), 0, {}, choices) for _ in range(BLANK_ROWS)]
    blank_index = len(nested) + 1
    blank_group = GroupView(
        blank_index,
        ANY,
        [_make_row(next(counter), blank_index, {}, choices) for _ in range(BLANK_ROWS)],
        blank=True,
    )
    template_row = _make_row(0, 0, {}, choices)
    template_row.template = True
    return {
        "name": name,
        "match": _match(tree.get("match")),
        "rows": outer_rows,
        "groups": [*nested, blank_group],
        "next_row": next(counter),
        "next_group": blank_index + 1,
        "template_row": template_row,
        "template_group": GroupView(0, ANY, [], template=True),
        "catalog_id": f"{name}-conditions-catalog",
        "catalog": _catalog(choices),
        "all_ops": _all_ops(),
        "fields": [(spec.name, str(spec.label)) for spec in FIELDS.values()],
    }


def _match(value: Any) -> str:
    return value if value in MATCHES else ALL


def _placeholders() -> dict[str, str]:
    return {
        "int": gettext("e.g. 6"),
        "number": gettext("e.g. 4.5"),
        "pair": gettext("e.g. 0 – 6"),
        "text": gettext("a word or phrase"),
        "words": gettext("words, separated by commas"),
        "strings": gettext("values, separated by commas"),
    }


def _catalog(choices: OrgChoices) -> dict[str, Any]:
    """What the script needs to adapt a row when its field or operator changes."""
    fields = {}
    for spec in FIELDS.values():
        options = spec.choices() if spec.choices is not None else getattr(choices, spec.name, None)
        fields[spec.name] = {
            "label": str(spec.label),
            "needsKey": spec.needs_key,
            "keyLabel": str(spec.key_label).capitalize(),
            "ops": list(spec.ops),
            "kinds": {op: value_kind(spec.name, op) for op in spec.ops},
            "options": options,
        }
    return {
        "fields": fields,
        "ops": {op: str(label) for op, label in OPERATOR_LABELS.items()},
        "text": {
            "remove": gettext("Remove"),
            "condition": gettext("Condition %(n)s"),
            "placeholders": {kind: str(text) for kind, text in _placeholders().items()},
        },
    }


# -- the form field ---------------------------------------------------------------------------------


class ConditionsWidget(forms.Widget):
    template_name = "alerts/includes/conditions_editor.html"
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = OrgChoices()

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, Any] | None:
        return read_rows(data, name, self.choices)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-match" not in data

    def format_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        return value

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["editor"] = editor_context(name, self.format_value(value), self.choices)
        context["editor"]["id"] = context["widget"]["attrs"].get("id") or f"id_{name}"
        return context

    def id_for_label(self, id_: str) -> str:
        # The legend labels the whole editor; each control inside has its own label.
        return ""


def _places(tree: Mapping[str, Any]) -> Iterator[tuple[int, int, Mapping[str, Any]]]:
    """(group number, position, condition) in the numbering validation messages use."""
    counter = 0

    def walk(group: Mapping[str, Any]) -> Iterator[tuple[int, int, Mapping[str, Any]]]:
        nonlocal counter
        counter += 1
        number = counter
        for position, item in enumerate(group.get("conditions", []), start=1):
            if "field" in item:
                yield number, position, item
            else:
                yield from walk(item)

    yield from walk(tree)


class ConditionsField(forms.Field):
    """Conditions of an alert or routing rule, edited as rows; ``clean()`` returns the validated tree.

    Touchpoint and survey conditions may only name the organisation's own.
    """

    widget = ConditionsWidget
    default_error_messages = {"required": _("Add at least one condition.")}

    def __init__(self, *, organization: Organization | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.organization = organization
        self.org_choices = condition_choices(organization)
        assert isinstance(self.widget, ConditionsWidget)
        self.widget.choices = self.org_choices

    def prepare_value(self, value: Any) -> Any:
        return value

    def to_python(self, value: Any) -> dict[str, Any]:
        return validate_conditions(value)

    def validate(self, value: dict[str, Any]) -> None:
        if self.required and not value.get("conditions"):
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        super().run_validators(value)
        known = {
            "touchpoint": {int(pk) for pk, _name in self.org_choices.touchpoint},
            "survey": {int(pk) for pk, _name in self.org_choices.survey},
        }
        errors = [
            gettext("Condition %(n)d in group %(g)d: %(problem)s")
            % {"n": position, "g": group, "problem": gettext("choose from the list.")}
            for group, position, condition in _places(value)
            if condition["field"] in known
            and not set(condition.get("value", [])) <= known[condition["field"]]
        ]
        if errors:
            raise ValidationError(errors)
