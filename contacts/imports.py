"""Contact imports: what each column holds, and one file row turned into a contact's values.

Files are read with ``feedback.imports.parsing`` (the same rules for CSV and XLSX as feedback
imports). A column holds an identifier (email, phone, external id), the name, the language, the
consent status, or an attribute named after its header; or it is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.suppression import normalise_phone, phone_is_valid
from feedback.imports.parsing import SourceRow
from feedback.models import Consent
from feedback.services.contacts import ATTRIBUTES_LIMIT


class Column(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    EXTERNAL_ID = "external_id"
    NAME = "name"
    LANGUAGE = "language"
    CONSENT = "consent"
    ATTRIBUTE = "attribute"
    IGNORE = "ignore"


COLUMN_LABELS: dict[Column, str | Promise] = {
    Column.EMAIL: gettext_lazy("Email"),
    Column.PHONE: gettext_lazy("Phone"),
    Column.EXTERNAL_ID: gettext_lazy("External id"),
    Column.NAME: gettext_lazy("Name"),
    Column.LANGUAGE: gettext_lazy("Language"),
    Column.CONSENT: gettext_lazy("Consent"),
    Column.ATTRIBUTE: gettext_lazy("Attribute (named after the column)"),
    Column.IGNORE: gettext_lazy("Ignore this column"),
}
SINGLE = (Column.EMAIL, Column.PHONE, Column.EXTERNAL_ID, Column.NAME, Column.LANGUAGE, Column.CONSENT)

_GUESSES: dict[str, Column] = {
    **dict.fromkeys(["email", "emailaddress", "mail", "e-mail"], Column.EMAIL),
    **dict.fromkeys(["phone", "phonenumber", "mobile", "tel", "telephone", "cell", "msisdn"], Column.PHONE),
    **dict.fromkeys(
        ["id", "externalid", "customerid", "customernumber", "crmid", "userid"], Column.EXTERNAL_ID
    ),
    **dict.fromkeys(["name", "fullname", "customername", "contactname"], Column.NAME),
    **dict.fromkeys(["language", "lang", "locale"], Column.LANGUAGE),
    **dict.fromkeys(["consent", "optin", "marketingconsent"], Column.CONSENT),
}
CONSENT_WORDS: dict[str, str] = {
    **dict.fromkeys(["granted", "given", "yes", "y", "true", "1", "opt-in", "optin"], Consent.GRANTED.value),
    **dict.fromkeys(["withdrawn", "no", "n", "false", "0", "opt-out", "optout"], Consent.WITHDRAWN.value),
    **dict.fromkeys(["unknown", "not asked"], Consent.UNKNOWN.value),
}
INTEGER = re.compile(r"^-?(0|[1-9][0-9]{0,14})$")
DECIMAL = re.compile(r"^-?(0|[1-9][0-9]{0,14})\.[0-9]{1,10}$")
VALUE_LIMIT = 500


def guess_columns(headers: Sequence[str]) -> list[Column]:
    guesses: list[Column] = []
    for header in headers:
        key = re.sub(r"[\s_\-]+", "", header.casefold())
        guess = _GUESSES.get(key, Column.ATTRIBUTE)
        guesses.append(Column.ATTRIBUTE if guess in SINGLE and guess in guesses else guess)
    return guesses


def mapping_problems(columns: Sequence[Column]) -> list[str]:
    problems: list[str] = []
    for single in SINGLE:
        if columns.count(single) > 1:
            problems.append(_("Only one column can hold “%(what)s”.") % {"what": COLUMN_LABELS[single]})
    if not any(c in (Column.EMAIL, Column.PHONE, Column.EXTERNAL_ID) for c in columns):
        problems.append(_("Choose a column with the email, the phone number or the external id."))
    if columns.count(Column.ATTRIBUTE) > ATTRIBUTES_LIMIT:
        problems.append(_("At most %(limit)d columns can be attributes.") % {"limit": ATTRIBUTES_LIMIT})
    return problems


def attribute_value(text: str) -> str | int | float:
    """Numbers become JSON numbers (so segments can compare them); ``007`` stays text."""
    if INTEGER.match(text):
        return int(text)
    if DECIMAL.match(text):
        return float(text)
    return text


@dataclass
class ContactRow:
    number: int
    email: str = ""
    phone: str = ""
    external_id: str = ""
    name: str = ""
    language: str = ""
    consent: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


class RowChecker:
    """Turns rows into ContactRows or lists of problems. Stateful: it remembers the identifiers of
    earlier rows, so the second row with the same email (phone, external id) is a duplicate. Feed it
    every row of the file from the first, in order."""

    def __init__(self, *, headers: Sequence[str], columns: Sequence[Column]) -> None:
        self.headers = list(headers)
        self.columns = list(columns)
        self.languages = {code.casefold(): code for code, _name in settings.LANGUAGES}
        self.seen: dict[str, dict[str, int]] = {"email": {}, "phone": {}, "external_id": {}}

    def _read(self, result: ContactRow, header: str, column: Column, value: str) -> str | None:
        """Store one cell's value on ``result``; the problem with it, if any."""
        if column == Column.EMAIL:
            try:
                validate_email(value)
            except ValidationError:
                return _("Invalid email address “%(value)s”.") % {"value": _short(value)}
            result.email = value.lower()
        elif column == Column.PHONE:
            if not phone_is_valid(value):
                return _("Invalid phone number “%(value)s”.") % {"value": _short(value)}
            result.phone = normalise_phone(value)
        elif column == Column.EXTERNAL_ID:
            if len(value) > 128:
                return _("The external id is longer than 128 characters.")
            result.external_id = value
        elif column == Column.NAME:
            result.name = value[:200]
        elif column == Column.LANGUAGE:
            code = self.languages.get(value.casefold().replace("_", "-"))
            if code is None:
                return _("Unknown language “%(value)s”.") % {"value": _short(value)}
            result.language = code
        elif column == Column.CONSENT:
            consent = CONSENT_WORDS.get(value.casefold())
            if consent is None:
                return _("Unknown consent “%(value)s” (use yes or no).") % {"value": _short(value)}
            result.consent = consent
        else:
            result.attributes[header] = attribute_value(value)
        return None

    def check(self, row: SourceRow) -> ContactRow | list[str]:
        if row.is_empty:
            return [_("The row is empty.")]
        result = ContactRow(number=row.number)
        problems: list[str] = []
        for header, column, raw in zip(self.headers, self.columns, row.values, strict=False):
            value = raw.strip()
            if column == Column.IGNORE or not value:
                continue
            problem = (
                _("“%(column)s” is too long.") % {"column": header}
                if len(value) > VALUE_LIMIT
                else self._read(result, header, column, value)
            )
            if problem:
                problems.append(problem)
        if not problems and not (result.email or result.phone or result.external_id):
            problems.append(_("The row has no email, phone number or external id."))
        identifiers = [(n, getattr(result, n).casefold()) for n in ("email", "phone", "external_id")]
        for name, value in identifiers:
            first = self.seen[name].get(value) if value else None
            if first is not None:
                problems.append(
                    _("Duplicate in the file: row %(first)d has the same %(what)s.")
                    % {"first": first, "what": COLUMN_LABELS[Column(name)]}
                )
        if not problems:
            for name, value in identifiers:
                if value:
                    self.seen[name][value] = row.number
        return problems or result
