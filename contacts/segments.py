"""Segment rules: validation and the query they stand for.

Rules are ``{"match": "all"|"any", "conditions": [{"field", "op", "value"}]}``. Fields are ``language``,
``consent``, ``email``, ``phone``, ``list`` (membership of a contact list, by id) and ``attributes.<name>``
(a key of the contact's attributes). Numeric comparisons (``gt``/``lt``) compare JSON numbers only: an
attribute stored as text never matches them.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Exists, FloatField, Func, OuterRef, Q, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThan, LessThan
from django.utils.translation import gettext as _

from feedback.models import Consent, Contact

MAX_CONDITIONS = 20
MAX_IN_VALUES = 100
MAX_VALUE_LENGTH = 200
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .\-]{0,63}$")
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MATCHES = ("all", "any")
SIMPLE_FIELDS = ("language", "consent", "email", "phone", "list")
OPS = ("eq", "neq", "contains", "exists", "not_exists", "gt", "lt", "in")
FIELD_OPS: dict[str, tuple[str, ...]] = {
    "language": ("eq", "neq", "in", "exists", "not_exists"),
    "consent": ("eq", "neq", "in"),
    "email": ("exists", "not_exists", "contains"),
    "phone": ("exists", "not_exists", "contains"),
    "list": ("eq", "neq"),
    "attribute": OPS,
}
NO_VALUE_OPS = ("exists", "not_exists")


def _kind(field: str) -> str:
    return "attribute" if field.startswith("attributes.") else field


def _clean_scalar(value: Any, where: str) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            raise ValidationError(
                _("%(where)s: the value is longer than %(limit)d characters.")
                % {"where": where, "limit": MAX_VALUE_LENGTH}
            )
        return value
    raise ValidationError(_("%(where)s: the value must be text or a number.") % {"where": where})


def _clean_condition(index: int, raw: Any) -> dict[str, Any]:
    where = _("Condition %(n)d") % {"n": index + 1}
    if not isinstance(raw, dict):
        raise ValidationError(_("%(where)s is not a condition.") % {"where": where})
    field, op = raw.get("field"), raw.get("op")
    if not isinstance(field, str) or not (field in SIMPLE_FIELDS or field.startswith("attributes.")):
        raise ValidationError(_("%(where)s: unknown field “%(field)s”.") % {"where": where, "field": field})
    kind = _kind(field)
    name = field.removeprefix("attributes.")
    if kind == "attribute" and (not ATTRIBUTE_NAME.match(name) or "__" in name):
        raise ValidationError(_("%(where)s: the attribute name is not valid.") % {"where": where})
    if op not in FIELD_OPS[kind]:
        raise ValidationError(
            _("%(where)s: “%(op)s” cannot be used with %(field)s.")
            % {"where": where, "op": op, "field": field}
        )
    condition: dict[str, Any] = {"field": field, "op": op}
    if op not in NO_VALUE_OPS:
        condition["value"] = _clean_value(kind, op, raw.get("value"), where)
    return condition


def _clean_value(kind: str, op: str, value: Any, where: str) -> Any:
    if op == "in":
        if not isinstance(value, list) or not value:
            raise ValidationError(_("%(where)s: give a list of values.") % {"where": where})
        if len(value) > MAX_IN_VALUES:
            raise ValidationError(
                _("%(where)s: at most %(limit)d values.") % {"where": where, "limit": MAX_IN_VALUES}
            )
        cleaned: Any = [_clean_scalar(item, where) for item in value]
    elif op in ("gt", "lt"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(_("%(where)s: compare with a number.") % {"where": where})
        cleaned = value
    elif value is None or value == "":
        raise ValidationError(_("%(where)s: give a value.") % {"where": where})
    else:
        cleaned = _clean_scalar(value, where)
    values = cleaned if isinstance(cleaned, list) else [cleaned]
    if kind == "consent" and not set(map(str, values)) <= set(Consent.values):
        raise ValidationError(_("%(where)s: unknown consent status.") % {"where": where})
    if kind == "list" and (isinstance(cleaned, bool) or not isinstance(cleaned, int)):
        try:
            cleaned = int(str(cleaned))
        except ValueError:
            raise ValidationError(_("%(where)s: choose a contact list.") % {"where": where}) from None
    if kind in ("email", "phone"):
        cleaned = str(cleaned)
    return cleaned


def validate_rules(rules: Any) -> dict[str, Any]:
    """The rules in their normal form; ValidationError with a message naming the condition otherwise."""
    if not isinstance(rules, dict):
        raise ValidationError(_("The rules must be an object with “match” and “conditions”."))
    match = rules.get("match", "all")
    if match not in MATCHES:
        raise ValidationError(_("“match” must be “all” or “any”."))
    conditions = rules.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise ValidationError(_("Add at least one condition."))
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(_("A segment has at most %(limit)d conditions.") % {"limit": MAX_CONDITIONS})
    return {"match": match, "conditions": [_clean_condition(i, c) for i, c in enumerate(conditions)]}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value)) if NUMBER.match(str(value).strip()) else None
    except ValueError:
        return None


def _attribute_eq(name: str, value: Any) -> Q:
    # "5" in a rule matches the number 5 and the text "5"; true/false match booleans only.
    path = f"attributes__{name}"
    q = Q(**{path: value})
    number = _number(value)
    if isinstance(value, str) and number is not None:
        q |= Q(**{path: int(number) if number.is_integer() else number})
    elif not isinstance(value, str | bool):
        q |= Q(**{path: str(value)})
    return q


def _attribute_numeric(name: str, op: str, value: Any) -> Q:
    """gt / lt compare JSON numbers only: the cast runs for numbers alone, so text never errors."""
    as_number = Case(
        When(
            Exact(JsonbTypeof(KeyTransform(name, "attributes")), Value("number")),
            then=Cast(KeyTextTransform(name, "attributes"), FloatField()),
        ),
        default=None,
        output_field=FloatField(),
    )
    lookup = GreaterThan if op == "gt" else LessThan
    return Q(lookup(as_number, Value(float(value))))


def _attribute_in(name: str, values: list[Any]) -> Q:
    q = Q()
    for item in values:
        q |= _attribute_eq(name, item)
    return q


def _attribute_q(name: str, op: str, value: Any) -> Q:
    builders: dict[str, Any] = {
        "exists": lambda: Q(attributes__has_key=name),
        "not_exists": lambda: ~Q(attributes__has_key=name),
        "eq": lambda: _attribute_eq(name, value),
        "neq": lambda: ~Q(attributes__has_key=name) | ~_attribute_eq(name, value),
        "contains": lambda: Q(**{f"attributes__{name}__icontains": str(value)}),
        "in": lambda: _attribute_in(name, value),
    }
    builder = builders.get(op)
    q: Q = builder() if builder is not None else _attribute_numeric(name, op, value)
    return q


class JsonbTypeof(Func):
    function = "jsonb_typeof"
    output_field = CharField()


def _list_q(op: str, value: Any) -> Q:
    from contacts.models import ContactListMember

    member = Exists(ContactListMember.all_orgs.filter(contact_id=OuterRef("pk"), contact_list_id=value))
    return Q(member) if op == "eq" else ~Q(member)


def _column_q(field: str, op: str, value: Any) -> Q:
    builders: dict[str, Any] = {
        "exists": lambda: ~Q(**{field: ""}),
        "not_exists": lambda: Q(**{field: ""}),
        "contains": lambda: Q(**{f"{field}__icontains": value}),
        "in": lambda: Q(**{f"{field}__in": [str(v) for v in value or []]}),
        "neq": lambda: ~Q(**{field: str(value)}),
        "eq": lambda: Q(**{field: str(value)}),
    }
    q: Q = builders[op]()
    return q


def _condition_q(condition: dict[str, Any]) -> Q:
    field, op, value = condition["field"], condition["op"], condition.get("value")
    kind = _kind(field)
    if kind == "attribute":
        return _attribute_q(field.removeprefix("attributes."), op, value)
    if kind == "list":
        return _list_q(op, value)
    return _column_q(field, op, value)


def segment_queryset(organization_id: int, rules: Any) -> QuerySet[Contact]:
    """The organisation's contacts matching ``rules`` (validated here; ValidationError when wrong)."""
    clean = validate_rules(rules)
    queryset = Contact.all_orgs.filter(organization_id=organization_id)
    combined = Q()
    for condition in clean["conditions"]:
        q = _condition_q(condition)
        combined = (combined & q) if clean["match"] == "all" else (combined | q)
    return queryset.filter(combined).order_by("pk")
