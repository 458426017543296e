"""Forms of the contacts pages."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from contacts.imports import COLUMN_LABELS, Column
from contacts.models import ContactList, SuppressionChannel
from feedback.models import Consent, Contact

ATTRIBUTES_HELP = _("One per line, as name = value, e.g. plan = pro. Numbers are stored as numbers.")


def _attributes_text(attributes: dict[str, Any]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in attributes.items())


def _parse_attributes(text: str) -> dict[str, Any]:
    from contacts.imports import attribute_value

    result: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise forms.ValidationError(_("Line %(n)d is not “name = value”.") % {"n": number})
        result[name.strip()[:64]] = attribute_value(value.strip())
    return result


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, help_text=_("With the country code.")
    )
    external_id = forms.CharField(label=_("External id"), max_length=128, required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    attributes = forms.CharField(
        label=_("Attributes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=ATTRIBUTES_HELP,
    )

    def __init__(self, *args: Any, organization: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Not known")), *settings.LANGUAGES]  # type: ignore[attr-defined]

    def clean_attributes(self) -> dict[str, Any]:
        return _parse_attributes(self.cleaned_data.get("attributes", ""))

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        return {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "external_id": contact.external_id,
            "language": contact.language,
            "attributes": _attributes_text(
                contact.attributes if isinstance(contact.attributes, dict) else {}
            ),
        }


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(label=_("Consent"), choices=Consent.choices)


class ContactListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, organization: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(contact_list: ContactList) -> dict[str, Any]:
        return {"name": contact_list.name, "description": contact_list.description}


class ListMembersForm(forms.Form):
    addresses = forms.CharField(
        label=_("Add contacts"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Emails, phone numbers or external ids of existing contacts, one per line."),
    )


class AddToListForm(forms.Form):
    contact_list = forms.ModelChoiceField(label=_("Add to list"), queryset=ContactList.all_orgs.none())

    def __init__(self, *args: Any, lists: QuerySet[ContactList], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_list"].queryset = lists  # type: ignore[attr-defined]


SEGMENT_FIELDS = [
    ("", "—"),
    ("attribute", _("Attribute")),
    ("language", _("Language")),
    ("consent", _("Consent")),
    ("email", _("Email")),
    ("phone", _("Phone")),
    ("list", _("Contact list")),
]
SEGMENT_OPS = [
    ("eq", _("is")),
    ("neq", _("is not")),
    ("contains", _("contains")),
    ("exists", _("is set")),
    ("not_exists", _("is not set")),
    ("gt", _("is greater than")),
    ("lt", _("is less than")),
    ("in", _("is one of (comma separated)")),
]
CONDITION_ROWS = 5


class SegmentForm(forms.Form):
    """Name, match and up to five conditions; each condition is field, attribute name, operator, value."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    match = forms.ChoiceField(
        label=_("Contacts must match"), choices=[("all", _("all conditions")), ("any", _("any condition"))]
    )

    def __init__(self, *args: Any, organization: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        for i in range(CONDITION_ROWS):
            self.fields[f"c{i}_field"] = forms.ChoiceField(
                label=_("Field"), choices=SEGMENT_FIELDS, required=False
            )
            self.fields[f"c{i}_attribute"] = forms.CharField(
                label=_("Attribute name"), max_length=64, required=False
            )
            self.fields[f"c{i}_op"] = forms.ChoiceField(
                label=_("Condition"), choices=SEGMENT_OPS, required=False
            )
            self.fields[f"c{i}_value"] = forms.CharField(label=_("Value"), max_length=500, required=False)

    @property
    def condition_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"c{i}_{p}"] for p in ("field", "attribute", "op", "value")] for i in range(CONDITION_ROWS)
        ]

    def _value(self, field: str, op: str, text: str) -> Any:
        text = text.strip()
        if op in ("exists", "not_exists"):
            return None
        if op == "in":
            return [part.strip() for part in text.split(",") if part.strip()]
        if op in ("gt", "lt"):
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                return text
            return int(number) if number.is_integer() else number
        if field == "list" and self.organization is not None:
            found = (
                ContactList.all_orgs.filter(organization=self.organization)
                .alias(n=Lower("name"))
                .filter(n=text.lower())
                .values_list("pk", flat=True)
                .first()
            )
            return found if found is not None else text
        return text

    def rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        conditions: list[dict[str, Any]] = []
        for i in range(CONDITION_ROWS):
            field = data.get(f"c{i}_field") or ""
            if not field:
                continue
            name = (
                f"attributes.{(data.get(f'c{i}_attribute') or '').strip()}" if field == "attribute" else field
            )
            op = data.get(f"c{i}_op") or "eq"
            condition: dict[str, Any] = {"field": name, "op": op}
            value = self._value(field, op, data.get(f"c{i}_value") or "")
            if value is not None:
                condition["value"] = value
            conditions.append(condition)
        return {"match": data.get("match") or "all", "conditions": conditions}

    @staticmethod
    def initial_for(segment: Any) -> dict[str, Any]:
        rules = segment.rules if isinstance(segment.rules, dict) else {}
        initial: dict[str, Any] = {
            "name": segment.name,
            "description": segment.description,
            "match": rules.get("match", "all"),
        }
        for i, condition in enumerate(rules.get("conditions", [])[:CONDITION_ROWS]):
            field = str(condition.get("field", ""))
            if field.startswith("attributes."):
                initial[f"c{i}_field"], initial[f"c{i}_attribute"] = (
                    "attribute",
                    field.removeprefix("attributes."),
                )
            else:
                initial[f"c{i}_field"] = field
            initial[f"c{i}_op"] = condition.get("op", "eq")
            value = condition.get("value")
            if field == "list" and isinstance(value, int):
                value = (
                    ContactList.all_orgs.filter(organization_id=segment.organization_id, pk=value)
                    .values_list("name", flat=True)
                    .first()
                    or value
                )
            initial[f"c{i}_value"] = (
                ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else value)
            )
        return initial


class SuppressionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=SuppressionChannel.choices)
    address = forms.CharField(label=_("Email or phone number"), max_length=254)
    detail = forms.CharField(
        label=_("Reason"), max_length=300, help_text=_("Why this address must not be contacted.")
    )


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type the contact's email, phone number or ERASE to confirm"), max_length=254
    )

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        accepted = {"ERASE"}
        if self.contact.email:
            accepted.add(self.contact.email.lower())
        if self.contact.phone:
            accepted.add(self.contact.phone)
        if typed not in accepted and typed.lower() not in accepted:
            raise forms.ValidationError(_("This does not match; nothing was erased."))
        return typed


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A CSV file (UTF-8; comma, semicolon or tab separated) or an Excel workbook (.xlsx), up to "
            "20 MB and 100,000 rows. The first row must hold the column names."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
        error_messages={"empty": _("The file is empty.")},
    )


class ImportMappingForm(forms.Form):
    contact_list = forms.ModelChoiceField(
        label=_("Add the contacts to a list"),
        queryset=ContactList.all_orgs.none(),
        required=False,
        empty_label=_("No list"),
    )

    def __init__(self, *args: Any, headers: list[str], lists: QuerySet[ContactList], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.fields["contact_list"].queryset = lists  # type: ignore[attr-defined]
        choices = [(str(c), label) for c, label in COLUMN_LABELS.items()]
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(label=header, choices=choices)

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{i}"] for i in range(len(self.headers))]

    def columns(self) -> list[Column]:
        return [Column(self.cleaned_data[f"column_{i}"]) for i in range(len(self.headers))]


def rules_json(rules: Any) -> str:
    return json.dumps(rules, ensure_ascii=False, indent=2)
