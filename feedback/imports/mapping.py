"""What each column of an import means, and turning one row into a ``FeedbackItem`` or its errors.

The same conversion runs for the validation report (a dry run) and for the import itself, so what
the report calls valid is exactly what gets imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.imports.parsing import SourceRow
from feedback.models import Channel
from feedback.services import ContactRef, FeedbackItem
from feedback.services.items import COMMENT_LIMIT, SCORE_RANGES

EXTERNAL_ID_LIMIT = 200
CONTACT_EXTERNAL_ID_LIMIT = 128
PHONE_LIMIT = 32
NAME_LIMIT = 200
VALUE_IN_MESSAGE = 60


class Target(StrEnum):
    IGNORE = "ignore"
    HIDDEN = "hidden"
    EXTERNAL_ID = "external_id"
    CHANNEL = "channel"
    RECEIVED_AT = "received_at"
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    COMMENT = "comment"
    LANGUAGE = "language"
    TOUCHPOINT = "touchpoint"
    CONTACT_EMAIL = "contact_email"
    CONTACT_PHONE = "contact_phone"
    CONTACT_EXTERNAL_ID = "contact_external_id"
    CONTACT_NAME = "contact_name"


TARGET_LABELS: dict[Target, str | Promise] = {
    Target.HIDDEN: gettext_lazy("Hidden field (kept with the feedback)"),
    Target.IGNORE: gettext_lazy("Ignore"),
    Target.EXTERNAL_ID: gettext_lazy("External id"),
    Target.CHANNEL: gettext_lazy("Channel"),
    Target.RECEIVED_AT: gettext_lazy("Date received"),
    Target.NPS: gettext_lazy("NPS score (0–10)"),
    Target.CSAT: gettext_lazy("CSAT score (1–5)"),
    Target.CES: gettext_lazy("CES score (1–7)"),
    Target.COMMENT: gettext_lazy("Comment"),
    Target.LANGUAGE: gettext_lazy("Language"),
    Target.TOUCHPOINT: gettext_lazy("Touchpoint (by name)"),
    Target.CONTACT_EMAIL: gettext_lazy("Contact email"),
    Target.CONTACT_PHONE: gettext_lazy("Contact phone"),
    Target.CONTACT_EXTERNAL_ID: gettext_lazy("Contact external id"),
    Target.CONTACT_NAME: gettext_lazy("Contact name"),
}
# Targets that at most one column may have.
SINGLE_TARGETS = frozenset(Target) - {Target.IGNORE, Target.HIDDEN}
SCORE_TARGETS = (Target.NPS, Target.CSAT, Target.CES)
SCORE_NAMES: dict[str, str | Promise] = {
    "nps": gettext_lazy("NPS"),
    "csat": gettext_lazy("CSAT"),
    "ces": gettext_lazy("CES"),
}

# Header names, lower-cased with everything but letters and digits removed, and what they mean.
_EXACT: dict[str, Target] = {
    **dict.fromkeys(
        ["id", "externalid", "feedbackid", "reviewid", "responseid", "ticketid", "uuid", "reference", "ref"],
        Target.EXTERNAL_ID,
    ),
    **dict.fromkeys(["channel", "source", "medium"], Target.CHANNEL),
    **dict.fromkeys(
        [
            "date",
            "datetime",
            "time",
            "timestamp",
            "created",
            "createdat",
            "createdon",
            "received",
            "receivedat",
            "submitted",
            "submittedat",
            "reviewdate",
            "responsedate",
            "when",
        ],
        Target.RECEIVED_AT,
    ),
    **dict.fromkeys(
        ["nps", "npsscore", "score", "likelihoodtorecommend", "recommend", "recommendation"], Target.NPS
    ),
    **dict.fromkeys(["csat", "csatscore", "satisfaction", "rating", "stars", "starrating"], Target.CSAT),
    **dict.fromkeys(["ces", "cesscore", "effort", "customereffort", "customereffortscore"], Target.CES),
    **dict.fromkeys(
        [
            "comment",
            "comments",
            "review",
            "reviewtext",
            "feedback",
            "text",
            "message",
            "verbatim",
            "body",
            "note",
            "notes",
            "remarks",
            "content",
        ],
        Target.COMMENT,
    ),
    **dict.fromkeys(["language", "lang", "locale"], Target.LANGUAGE),
    **dict.fromkeys(["touchpoint", "touchpointname"], Target.TOUCHPOINT),
    **dict.fromkeys(["email", "mail", "emailaddress", "customeremail", "contactemail"], Target.CONTACT_EMAIL),
    **dict.fromkeys(
        ["phone", "mobile", "tel", "telephone", "phonenumber", "msisdn", "cell"], Target.CONTACT_PHONE
    ),
    **dict.fromkeys(
        ["customerid", "contactid", "userid", "clientid", "accountid", "memberid"], Target.CONTACT_EXTERNAL_ID
    ),
    **dict.fromkeys(["name", "customer", "customername", "fullname", "contactname"], Target.CONTACT_NAME),
}
# Then words contained in longer names, strongest first ("Review date" is a date, not a comment).
_CONTAINS: tuple[tuple[str, Target], ...] = (
    ("email", Target.CONTACT_EMAIL),
    ("phone", Target.CONTACT_PHONE),
    ("date", Target.RECEIVED_AT),
    ("timestamp", Target.RECEIVED_AT),
    ("nps", Target.NPS),
    ("csat", Target.CSAT),
    ("comment", Target.COMMENT),
    ("review", Target.COMMENT),
    ("feedback", Target.COMMENT),
    ("language", Target.LANGUAGE),
    ("touchpoint", Target.TOUCHPOINT),
)


def _normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def guess_targets(headers: Sequence[str]) -> list[Target]:
    """A first guess at each column's meaning from its name; unknown columns become hidden fields."""
    guesses: list[Target | None] = [_EXACT.get(_normalise(h)) for h in headers]
    for index, header in enumerate(headers):
        if guesses[index] is not None:
            continue
        name = _normalise(header)
        if name.endswith("id") and re.search(r"customer|contact|user|client|member", name):
            guesses[index] = Target.CONTACT_EXTERNAL_ID
            continue
        guesses[index] = next((target for word, target in _CONTAINS if word in name), None)
    taken: set[Target] = set()
    targets: list[Target] = []
    for guess in guesses:
        if guess is None or guess in taken:
            targets.append(Target.HIDDEN)
            continue
        taken.add(guess)
        targets.append(guess)
    return targets


_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")


def guess_day_first(values: Sequence[str]) -> bool:
    """Whether dates like 05/11/2026 put the day first: decided by a value such as 20/11 or 11/20."""
    for value in values:
        match = _NUMERIC_DATE.match(value)
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            return True
        if second > 12 >= first:
            return False
    return True


@dataclass(frozen=True)
class ImportMapping:
    """A column's target by position, plus the choices that hold for the whole file."""

    targets: tuple[Target, ...]
    channel: str = Channel.IMPORT
    touchpoint_id: int | None = None
    time_zone: str = "UTC"
    day_first: bool = True
    # Touchpoints the importer may use, by lower-cased name (resolved when the mapping is saved).
    touchpoints: Mapping[str, int] = field(default_factory=dict)

    def column(self, target: Target) -> int | None:
        return next((i for i, t in enumerate(self.targets) if t == target), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "targets": [str(t) for t in self.targets],
            "channel": self.channel,
            "touchpoint_id": self.touchpoint_id,
            "time_zone": self.time_zone,
            "day_first": self.day_first,
            "touchpoints": dict(self.touchpoints),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportMapping:
        return cls(
            targets=tuple(Target(t) for t in data.get("targets", [])),
            channel=str(data.get("channel", Channel.IMPORT)),
            touchpoint_id=data.get("touchpoint_id"),
            time_zone=str(data.get("time_zone", "UTC")),
            day_first=bool(data.get("day_first", True)),
            touchpoints=dict(data.get("touchpoints") or {}),
        )


def mapping_problems(mapping: ImportMapping) -> list[str]:
    """Whole-file mistakes, before any row is looked at."""
    problems: list[str] = []
    for target in SINGLE_TARGETS:
        if sum(1 for t in mapping.targets if t == target) > 1:
            problems.append(_("Only one column can be “%(target)s”.") % {"target": TARGET_LABELS[target]})
    if not any(t in mapping.targets for t in (*SCORE_TARGETS, Target.COMMENT)):
        problems.append(_("Choose at least one column with a comment or a score."))
    if Target.CHANNEL not in mapping.targets and mapping.channel not in Channel.values:
        problems.append(_("Choose a channel for the whole file or a column that holds it."))
    try:
        ZoneInfo(mapping.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(_("Unknown time zone."))
    return sorted(problems)


def _channel_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in Channel.choices:
        for name in (value, str(label), value.replace("_", " "), value.replace("_", "-")):
            names[name.casefold()] = value
    names.update({"call center": Channel.CALL_CENTRE, "call-center": Channel.CALL_CENTRE})
    names.update({"widget": Channel.WEB, "website": Channel.WEB, "review": Channel.APP_REVIEW})
    return names


_DATE_FORMATS_DAY_FIRST = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
_DATE_FORMATS_MONTH_FIRST = ("%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%y")
_TIME_FORMATS = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
_OTHER_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d", "%Y.%m.%d %H:%M")


def parse_datetime(value: str, *, zone: tzinfo, day_first: bool) -> datetime | None:
    """ISO 8601 or a common spreadsheet form; naive times are read in ``zone``. None when unreadable."""
    text = " ".join(value.split())
    if not text:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        dates = _DATE_FORMATS_DAY_FIRST if day_first else _DATE_FORMATS_MONTH_FIRST
        formats = [d + t for d in dates for t in _TIME_FORMATS] + list(_OTHER_FORMATS)
        for fmt in formats:
            try:
                parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware just below
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=zone)
    return parsed


@dataclass
class RowConverter:
    """Turns rows into feedback items for one import; remembers external ids to catch repeats."""

    mapping: ImportMapping
    headers: Sequence[str]
    file_sha256: str
    job_id: int
    now: datetime = field(default_factory=timezone.now)
    seen_external_ids: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.mapping.time_zone)
        self.channels = _channel_names()
        self.languages = {code.casefold() for code, _name in settings.LANGUAGES}
        self.columns = {target: self.mapping.column(target) for target in SINGLE_TARGETS}
        self.hidden_columns = [i for i, t in enumerate(self.mapping.targets) if t == Target.HIDDEN]

    def _value(self, row: SourceRow, target: Target) -> str:
        index = self.columns[target]
        if index is None or index >= len(row.values):
            return ""
        return row.values[index].strip()

    def derived_external_id(self, row: SourceRow) -> str:
        return f"import-{self.file_sha256[:40]}-{row.number}"

    def convert(self, row: SourceRow) -> FeedbackItem | list[str]:
        """The row as a feedback item, or the list of what is wrong with it."""
        if row.is_empty:
            return [_("Empty row.")]
        errors: list[str] = []
        if row.overflow:
            errors.append(
                _("This row has values beyond the last named column (%(count)d of them).")
                % {"count": row.overflow}
            )
        external_id = self._external_id(row, errors)
        channel = self._channel(row, errors)
        received_at = self._received_at(row, errors)
        scores = self._scores(row, errors)
        comment = self._value(row, Target.COMMENT)
        if len(comment) > COMMENT_LIMIT:
            errors.append(
                _("The comment is longer than %(limit)s characters.") % {"limit": f"{COMMENT_LIMIT:,}"}
            )
        if not comment and not any(self._value(row, target) for target in SCORE_TARGETS):
            errors.append(_("The row has neither a comment nor a score."))
        touchpoint_id = self._touchpoint(row, errors)
        contact = self._contact(row, errors)
        if errors:
            return errors
        language = self._value(row, Target.LANGUAGE)
        hidden = {
            self.headers[i]: row.values[i].strip() for i in self.hidden_columns if row.values[i].strip()
        }
        return FeedbackItem(
            channel=channel,
            external_id=external_id,
            touchpoint_id=touchpoint_id,
            scores=scores,
            comment=comment,
            language=language or None,
            contact=contact,
            hidden_fields=hidden,
            meta={"import_job": str(self.job_id), "import_row": str(row.number)},
            received_at=received_at,
        )

    def _external_id(self, row: SourceRow, errors: list[str]) -> str:
        external_id = self._value(row, Target.EXTERNAL_ID) or self.derived_external_id(row)
        if len(external_id) > EXTERNAL_ID_LIMIT:
            errors.append(
                _("The external id is longer than %(limit)d characters.") % {"limit": EXTERNAL_ID_LIMIT}
            )
            return external_id
        first = self.seen_external_ids.setdefault(external_id, row.number)
        if first != row.number:
            errors.append(
                _("The external id “%(value)s” is already used on row %(row)d.")
                % {"value": _short(external_id), "row": first}
            )
        return external_id

    def _channel(self, row: SourceRow, errors: list[str]) -> str:
        if self.columns[Target.CHANNEL] is None:
            return self.mapping.channel
        value = self._value(row, Target.CHANNEL)
        if not value:
            return self.mapping.channel
        channel = self.channels.get(value.casefold())
        if channel is None:
            errors.append(_("Unknown channel “%(value)s”.") % {"value": _short(value)})
            return ""
        return channel

    def _received_at(self, row: SourceRow, errors: list[str]) -> datetime | None:
        if self.columns[Target.RECEIVED_AT] is None:
            return None
        value = self._value(row, Target.RECEIVED_AT)
        if not value:
            errors.append(_("The date is missing."))
            return None
        parsed = parse_datetime(value, zone=self.zone, day_first=self.mapping.day_first)
        if parsed is None:
            errors.append(_("Unrecognised date “%(value)s”.") % {"value": _short(value)})
        elif parsed > self.now:
            errors.append(_("The date “%(value)s” is in the future.") % {"value": _short(value)})
        return parsed

    def _scores(self, row: SourceRow, errors: list[str]) -> dict[str, int]:
        scores: dict[str, int] = {}
        for target in SCORE_TARGETS:
            value = self._value(row, target)
            if not value:
                continue
            low, high = SCORE_RANGES[str(target)]
            number = _whole_number(value)
            if number is None or not low <= number <= high:
                errors.append(
                    _("%(score)s must be a whole number from %(low)d to %(high)d, not “%(value)s”.")
                    % {"score": SCORE_NAMES[str(target)], "low": low, "high": high, "value": _short(value)}
                )
                continue
            scores[str(target)] = number
        return scores

    def _touchpoint(self, row: SourceRow, errors: list[str]) -> int | None:
        value = self._value(row, Target.TOUCHPOINT)
        if not value:
            return self.mapping.touchpoint_id
        touchpoint_id = self.mapping.touchpoints.get(value.casefold())
        if touchpoint_id is None:
            errors.append(_("Unknown touchpoint “%(value)s”.") % {"value": _short(value)})
        return touchpoint_id

    def _contact(self, row: SourceRow, errors: list[str]) -> ContactRef:
        email = self._value(row, Target.CONTACT_EMAIL)
        phone = self._value(row, Target.CONTACT_PHONE)
        external_id = self._value(row, Target.CONTACT_EXTERNAL_ID)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(_("Invalid email address “%(value)s”.") % {"value": _short(email)})
        if len(phone) > PHONE_LIMIT:
            errors.append(_("The phone number is longer than %(limit)d characters.") % {"limit": PHONE_LIMIT})
        if len(external_id) > CONTACT_EXTERNAL_ID_LIMIT:
            errors.append(
                _("The contact external id is longer than %(limit)d characters.")
                % {"limit": CONTACT_EXTERNAL_ID_LIMIT}
            )
        language = self._value(row, Target.LANGUAGE).casefold()
        return ContactRef(
            email=email,
            phone=phone,
            external_id=external_id,
            name=self._value(row, Target.CONTACT_NAME)[:NAME_LIMIT],
            language=language if language in self.languages else "",
        )


def _whole_number(value: str) -> int | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    if not number.is_integer():
        return None
    return int(number)


def _short(value: str) -> str:
    return value if len(value) <= VALUE_IN_MESSAGE else value[: VALUE_IN_MESSAGE - 1] + "…"
