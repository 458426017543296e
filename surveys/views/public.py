"""The hosted link survey that respondents answer: /s/<public_id>/ (no login).

Server-rendered and complete without JavaScript (frontend/survey/page.ts only enhances it). The respondent
is known by one first-party cookie per survey that holds the client id of their response, so a reload
resumes where they left off. Every answer goes through ``feedback.services.response_submit``, the one
write path: it re-walks the logic and validates each answer against the version the response started on.
This module only reads the form, asks the same logic which page comes next, and renders.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.tenancy import organization_context
from feedback.models import Channel, Response
from feedback.services import (
    SubmissionInvalid,
    SurveyUnavailable,
    choose_language,
    response_submit,
    survey_unavailable_reason,
)
from feedback.services.submit import UNAVAILABLE_MESSAGES
from surveys.definition import AnswerError, Context, next_step, pipe, validate_answer, walk
from surveys.definition.piping import localized
from surveys.definition.types import CONTACT_FIELDS, QUESTION_TYPES, TEXT_HARD_LIMIT, scale_of
from surveys.models import Survey

COOKIE = "cx_response"
COOKIE_AGE = 30 * 24 * 3600
DEFAULT_BRAND = "#0b5cad"
META_KEYS = ("channel", "source", "referrer", "device", "url", "locale")
SOURCE_CHANNELS = {"email": Channel.EMAIL, "sms": Channel.SMS}
UNAVAILABLE_STATUS = {"draft": 404, "closed": 410}
SCALE_TYPES = ("nps", "csat", "ces", "rating")
_TAG = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_TABLET = re.compile(r"ipad|tablet|playbook|silk|kindle|android(?!.*mobi)", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|opera mini|blackberry", re.IGNORECASE)
FACES = ("😠", "🙁", "😐", "🙂", "😀")
Values = Mapping[str, Any]
View = TypeVar("View", bound=Callable[..., HttpResponse])


# -- who is answering ------------------------------------------------------------------------------------


@dataclass
class State:
    """What the link says beyond answers: the language asked for, hidden fields and metadata. Until the
    response exists it travels from the link to the first answer in hidden inputs."""

    lang: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def channel(self) -> str:
        return str(SOURCE_CHANNELS.get(self.meta.get("source", ""), Channel.LINK))

    def inputs(self) -> list[tuple[str, str]]:
        return [
            *((f"_h.{name}", value) for name, value in self.hidden.items()),
            *((f"_m.{name}", value) for name, value in self.meta.items()),
        ]

    def link_query(self) -> dict[str, str]:
        """The query that reproduces this state on another link (the language switcher)."""
        return {**self.hidden, **({"source": self.meta["source"]} if "source" in self.meta else {})}


@dataclass
class Visit:
    request: HttpRequest
    survey: Survey
    definition: Mapping[str, Any]
    response: Response | None
    client_id: uuid.UUID
    state: State
    language: str = ""

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.response.answers) if self.response is not None else {}

    def ctx(self, answers: Values | None = None) -> Context:
        stored_hidden = self.response.hidden_fields if self.response is not None else {}
        stored_meta = self.response.meta if self.response is not None else {}
        return Context(
            self.answers if answers is None else answers,
            {**stored_hidden, **self.state.hidden},
            {**stored_meta, **self.state.meta},
        )

    @property
    def questions(self) -> dict[str, dict[str, Any]]:
        return {q["key"]: q for q in self.definition.get("questions", [])}

    @property
    def layout(self) -> str:
        return str((self.definition.get("settings") or {}).get("layout", "one_per_screen"))

    def text(self, texts: Any) -> str:
        """A text of the definition in the respondent's language (base language as the fallback)."""
        return localized(texts, self.language, str(self.definition.get("base_language", "en")))

    def url(self, key: str | None = None) -> str:
        if key is None:
            return reverse("public_survey:start", args=[self.survey.public_id])
        return reverse("public_survey:question", args=[self.survey.public_id, key])

    def submit(self, answers: Values, *, finished: bool, meta: bool = True) -> Response:
        result = response_submit(
            survey=self.survey,
            client_id=self.client_id,
            answers=answers,
            finished=finished,
            channel=self.state.channel,
            language=self.state.lang or self.language,
            hidden_fields=self.state.hidden,
            meta=self.state.meta if meta else None,
        )
        self.response = result.response
        return result.response


def _scrub(data: QueryDict) -> QueryDict:
    """The form or query without NUL characters, which PostgreSQL cannot store in text or JSON."""
    clean = QueryDict(mutable=True)
    for name, values in data.lists():
        clean.setlist(name.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    return clean


def _device(user_agent: str) -> str:
    if _TABLET.search(user_agent):
        return "tablet"
    return "mobile" if _MOBILE.search(user_agent) else "desktop"


def _declared(definition: Mapping[str, Any]) -> list[str]:
    return [name for name in definition.get("hidden_fields") or [] if isinstance(name, str)]


def _offered(definition: Mapping[str, Any], code: str | None) -> str:
    return code if code and code in (definition.get("languages") or []) else ""


def _state_from_link(request: HttpRequest, definition: Mapping[str, Any]) -> State:
    query = _scrub(request.GET)
    source = query.get("source", "").strip().lower()
    meta = {
        "channel": source if _TAG.match(source) else "link",
        "device": _device(request.headers.get("User-Agent", "")),
        # Without the query: it may carry personal hidden fields, which are stored on their own.
        "url": request.build_absolute_uri(request.path),
    }
    if _TAG.match(source):
        meta["source"] = source
    referrer = request.headers.get("Referer", "")
    # Our own pages (the language switcher) are not where the respondent came from.
    if referrer and urlsplit(referrer).netloc != request.get_host():
        meta["referrer"] = referrer
    accepted = parse_accept_lang_header(request.headers.get("Accept-Language", ""))
    if accepted:
        meta["locale"] = accepted[0][0]
    hidden = {name: query.get(name, "") for name in _declared(definition) if query.get(name)}
    return State(_offered(definition, query.get("lang")), hidden, meta)


def _state_from_form(data: QueryDict, definition: Mapping[str, Any]) -> State:
    hidden = {name: data.get(f"_h.{name}", "") for name in _declared(definition) if data.get(f"_h.{name}")}
    meta = {name: data.get(f"_m.{name}", "") for name in META_KEYS if data.get(f"_m.{name}")}
    return State(_offered(definition, data.get("_lang")), hidden, meta)


def _language(
    request: HttpRequest, definition: Mapping[str, Any], response: Response | None, lang: str
) -> str:
    accepted = [code for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", ""))]
    return choose_language(definition, lang, response.language if response is not None else None, *accepted)


def _find_response(request: HttpRequest, survey: Survey) -> tuple[uuid.UUID, Response | None]:
    try:
        client_id = uuid.UUID(request.COOKIES.get(COOKIE, ""))
    except ValueError:
        return uuid.uuid4(), None
    response = Response.objects.select_related("survey_version").filter(client_id=client_id).first()
    if response is not None and response.survey_id != survey.pk:
        return uuid.uuid4(), None
    return client_id, response


def _visit(request: HttpRequest, survey: Survey) -> Visit | None:
    """The respondent of this request, or None when the survey takes no new responses."""
    client_id, response = _find_response(request, survey)
    if response is not None and response.survey_version is not None:
        definition = response.survey_version.definition
    elif survey_unavailable_reason(survey) is None and survey.current_version is not None:
        definition = survey.current_version.definition
    else:
        return None
    data = _scrub(request.POST) if request.method == "POST" else None
    state = _state_from_form(data, definition) if data is not None else _state_from_link(request, definition)
    visit = Visit(request, survey, definition, response, client_id, state)
    visit.language = _language(request, definition, response, state.lang)
    return visit


# -- reading and checking answers ----------------------------------------------------------------------


def _int_or_text(raw: str) -> int | str:
    try:
        return int(raw.strip())
    except ValueError:
        return raw


def _read_scale(question: Mapping[str, Any], data: QueryDict) -> Any:
    raw = data.get(question["key"], "")
    return _int_or_text(raw) if raw.strip() else None


def _read_single(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    raw = data.get(key, "")
    return {"other": data.get(f"{key}.other", "")} if raw == "other" else raw


def _read_multiple(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    return [{"other": data.get(f"{key}.other", "")} if v == "other" else v for v in data.getlist(key)]


def _read_matrix(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    rows = [r["key"] for r in question.get("rows") or []]
    return {row: data[f"{key}.{row}"] for row in rows if data.get(f"{key}.{row}")}


def _read_ranking(question: Mapping[str, Any], data: QueryDict) -> Any:
    order = data.getlist(question["key"])
    return order if any(order) else None


def _read_contact(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    fields = (question.get("options") or {}).get("fields") or {}
    return {name: data[f"{key}.{name}"] for name in fields if data.get(f"{key}.{name}")}


_READERS: dict[str, Any] = {
    **dict.fromkeys(SCALE_TYPES, _read_scale),
    "single_choice": _read_single,
    "dropdown": _read_single,
    "multiple_choice": _read_multiple,
    "text": lambda q, data: data.get(q["key"], ""),
    "yes_no": lambda q, data: {"true": True, "false": False}.get(data.get(q["key"], ""), data.get(q["key"])),
    "matrix": _read_matrix,
    "ranking": _read_ranking,
    # An unticked box is a "no", which a required consent refuses with its own message.
    "consent": lambda q, data: data.get(q["key"]) == "true",
    "contact": _read_contact,
}


def _read(question: Mapping[str, Any], data: QueryDict) -> Any:
    """The answer to one question as the form sent it, shaped like an answer but not yet validated."""
    reader = _READERS.get(str(question.get("type")))
    return reader(question, data) if reader is not None else None


def _from_link(question: Mapping[str, Any], raw: str) -> Any:
    """A first answer given in the link, e.g. ``?nps=9``; None when this type cannot be given there."""
    qtype = question["type"]
    if qtype in SCALE_TYPES:
        return _int_or_text(raw)
    if qtype in ("yes_no", "consent"):
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            raw.lower()
        )
    if qtype == "multiple_choice":
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw if qtype in ("single_choice", "dropdown", "text") else None


def _check(question: Mapping[str, Any], value: Any) -> tuple[Any, str | None]:
    """The normalised answer and the error to show (in the active language), if any."""
    try:
        normalised = validate_answer(question, value)
    except AnswerError as exc:
        return None, str(exc.message)
    if normalised is None and question.get("required"):
        return None, _("Please answer this question.")
    return normalised, None


def _answerable(question: Mapping[str, Any]) -> bool:
    qtype = QUESTION_TYPES.get(str(question.get("type")))
    return qtype is not None and qtype.answerable


# -- presenting questions ------------------------------------------------------------------------------


def _scale_points(question: Mapping[str, Any], value: Any) -> tuple[str, list[dict[str, Any]]]:
    low, high = scale_of(question) or (0, 10)
    style = str((question.get("options") or {}).get("style", "numbers"))
    key = question["key"]
    points = []
    for n in range(low, high + 1):
        glyph, label = str(n), ""
        if style == "stars":
            glyph, label = "★", ngettext("%(n)d star", "%(n)d stars", n) % {"n": n}
        elif style == "thumbs":
            glyph, label = ("👍", _("Thumbs up")) if n else ("👎", _("Thumbs down"))
        elif style == "faces":
            glyph = FACES[round((n - low) * (len(FACES) - 1) / max(high - low, 1))]
            label = _("%(n)d of %(high)d") % {"n": n, "high": high}
        checked = isinstance(value, int) and not isinstance(value, bool) and value == n
        points.append({"value": n, "id": f"p-{key}-{n}", "glyph": glyph, "label": label, "checked": checked})
    return style, points


def _choices(
    visit: Visit, question: Mapping[str, Any], items: list[dict[str, Any]], *, shuffle: bool
) -> list[dict[str, str]]:
    base = str(visit.definition.get("base_language", "en"))
    choices = [{"key": c["key"], "label": localized(c.get("label"), visit.language, base)} for c in items]
    if shuffle and (question.get("options") or {}).get("randomize"):
        # Seeded by the response, so a reload or the Back link shows the same order. Not for secrecy.
        random.Random(f"{visit.client_id}:{question['key']}").shuffle(choices)  # noqa: S311
    return choices


def _present(
    visit: Visit, question: Mapping[str, Any], value: Any, error: str | None, level: int
) -> dict[str, Any]:
    """Everything a question's template needs, with the answer (saved or just sent) filled in."""
    key, qtype = question["key"], question["type"]
    ctx = visit.ctx()

    def text(texts: Any) -> str:
        return pipe(visit.text(texts), visit.definition, ctx, visit.language)

    q: dict[str, Any] = {
        "key": key,
        "type": qtype,
        "id": f"q-{key}",
        "level": level,
        "template": f"surveys/public/questions/{'scale' if qtype in SCALE_TYPES else qtype}.html",
        "text": text(question.get("text")),
        "description": text(question.get("description")),
        "required": bool(question.get("required")) and _answerable(question),
        "error": error,
        "first_input": f"q-{key}-input",
        "options": question.get("options") or {},
    }
    described = [f"q-{key}-desc"] * bool(q["description"]) + [f"q-{key}-error"] * bool(error)
    presenter = _PRESENTERS.get(qtype)
    if presenter is not None:
        presenter(visit, question, value, q)
    if q.get("low_label") or q.get("high_label"):
        described.insert(0, f"q-{key}-ends")
    if q.get("hint"):
        described.insert(0, f"q-{key}-hint")
    q["describedby"] = " ".join(described)
    return q


def _present_scale(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    q["style"], q["points"] = _scale_points(question, value)
    q["first_input"] = q["points"][0]["id"]
    q["low_label"] = visit.text(q["options"].get("low_label"))
    q["high_label"] = visit.text(q["options"].get("high_label"))


def _present_choice(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    chosen = value if isinstance(value, list) else [value]
    others = [v["other"] for v in chosen if isinstance(v, Mapping) and isinstance(v.get("other"), str)]
    q["choices"] = [
        {**c, "id": f"c-{q['key']}-{c['key']}", "checked": c["key"] in chosen}
        for c in _choices(visit, question, question.get("choices") or [], shuffle=True)
    ]
    q["allow_other"] = bool(q["options"].get("allow_other"))
    q["other_checked"] = bool(others)
    q["other_text"] = others[0] if others else ""
    if q["type"] != "dropdown" and q["choices"]:
        q["first_input"] = q["choices"][0]["id"]
    if q["type"] == "multiple_choice":
        q["hint"] = _selection_hint(q["options"].get("min_selected"), q["options"].get("max_selected"))


def _present_text(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    kind = q["options"].get("validation", "none")
    q["long"] = q["options"].get("variant") == "long"
    q["input_type"] = {"email": "email", "phone": "tel"}.get(kind, "text")
    q["inputmode"] = {"number": "decimal"}.get(kind, "")
    q["autocomplete"] = {"email": "email", "phone": "tel"}.get(kind, "off")
    q["maxlength"] = q["options"].get("max_length") or TEXT_HARD_LIMIT
    q["placeholder"] = visit.text(q["options"].get("placeholder"))
    q["value"] = value if isinstance(value, str) else ""


def _present_yes_no(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    key = q["key"]
    q["answers"] = [
        {"value": "true", "label": _("Yes"), "id": f"y-{key}-yes", "checked": value is True},
        {"value": "false", "label": _("No"), "id": f"y-{key}-no", "checked": value is False},
    ]
    q["first_input"] = f"y-{key}-yes"


def _present_matrix(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    key = q["key"]
    picked = value if isinstance(value, Mapping) else {}
    q["columns"] = columns = _choices(visit, question, question.get("columns") or [], shuffle=False)
    q["rows"] = [
        {
            **row,
            "id": f"m-{key}-{row['key']}",
            "cells": [
                {
                    **col,
                    "id": f"m-{key}-{row['key']}-{col['key']}",
                    "checked": picked.get(row["key"]) == col["key"],
                }
                for col in columns
            ],
        }
        for row in _choices(visit, question, question.get("rows") or [], shuffle=False)
    ]
    if q["rows"] and columns:
        q["first_input"] = q["rows"][0]["cells"][0]["id"]


def _present_ranking(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    choices = _choices(visit, question, question.get("choices") or [], shuffle=True)
    keys = [c["key"] for c in choices]
    order = value if isinstance(value, list) and len(value) == len(keys) else keys
    q["positions"] = [
        {
            "n": n,
            "id": f"r-{q['key']}-{n}",
            "options": [{**c, "selected": c["key"] == picked} for c in choices],
        }
        for n, picked in enumerate(order, start=1)
    ]
    q["first_input"] = f"r-{q['key']}-1"
    q["hint"] = _("Choose an option for each place, the most important first.")


def _present_consent(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    q["label"] = visit.text(q["options"].get("label"))
    q["checked"] = value is True


def _present_contact(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    q["fields"] = _contact_fields(q["key"], q["options"].get("fields") or {}, value)
    if q["fields"]:
        q["first_input"] = q["fields"][0]["id"]


_PRESENTERS = {
    **dict.fromkeys(SCALE_TYPES, _present_scale),
    **dict.fromkeys(("single_choice", "dropdown", "multiple_choice"), _present_choice),
    "text": _present_text,
    "yes_no": _present_yes_no,
    "matrix": _present_matrix,
    "ranking": _present_ranking,
    "consent": _present_consent,
    "contact": _present_contact,
}


def _selection_hint(low: Any, high: Any) -> str:
    if isinstance(low, int) and isinstance(high, int):
        return _("Choose from %(low)d to %(high)d options.") % {"low": low, "high": high}
    if isinstance(low, int):
        return ngettext("Choose at least %(n)d option.", "Choose at least %(n)d options.", low) % {"n": low}
    if isinstance(high, int):
        return ngettext("Choose at most %(n)d option.", "Choose at most %(n)d options.", high) % {"n": high}
    return ""


def _contact_fields(key: str, fields: Mapping[str, Any], value: Any) -> list[dict[str, Any]]:
    labels = {"name": _("Name"), "email": _("Email"), "phone": _("Phone"), "company": _("Company")}
    kinds = {"email": "email", "phone": "tel"}
    autocomplete = {"name": "name", "email": "email", "phone": "tel", "company": "organization"}
    given = value if isinstance(value, Mapping) else {}
    return [
        {
            "name": name,
            "id": f"f-{key}-{name}",
            "label": labels[name],
            "type": kinds.get(name, "text"),
            "autocomplete": autocomplete[name],
            "required": bool(isinstance(fields[name], Mapping) and fields[name].get("required")),
            "value": given.get(name, "") if isinstance(given.get(name), str) else "",
        }
        for name in CONTACT_FIELDS
        if name in fields
    ]


# -- rendering ------------------------------------------------------------------------------------------


def _theme(definition: Mapping[str, Any]) -> dict[str, str]:
    theme = definition.get("theme") or {}
    brand = theme.get("brand_color")
    mode = theme.get("mode")
    logo = theme.get("logo_url")
    return {
        "brand": brand if isinstance(brand, str) and _COLOUR.match(brand) else DEFAULT_BRAND,
        "mode": mode if mode in ("light", "dark", "auto") else "auto",
        "logo": logo if isinstance(logo, str) and logo.startswith("https://") else "",
    }


def _switcher(
    definition: Mapping[str, Any], language: str, url: str, query: Mapping[str, str]
) -> list[dict[str, Any]]:
    offered = [code for code in definition.get("languages") or [] if isinstance(code, str)]
    links = []
    for code in offered if len(offered) > 1 else []:
        try:
            name = get_language_info(code)["name_local"]
        except KeyError:
            continue
        links.append(
            {
                "code": code,
                "name": name,
                "url": f"{url}?{urlencode({**query, 'lang': code})}",
                "current": code == language,
            }
        )
    return links


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    survey: Survey | None,
    definition: Mapping[str, Any],
    language: str,
    switcher_query: Mapping[str, str] | None = None,
    switcher_url: str = "",
    status: int = 200,
) -> HttpResponse:
    start = reverse("public_survey:start", args=[survey.public_id]) if survey is not None else ""
    chrome = {
        "language": language,
        "theme": _theme(definition),
        "organization_name": survey.organization.name if survey is not None else "",
        "languages": (
            _switcher(definition, language, switcher_url or start, switcher_query or {})
            if survey is not None
            else []
        ),
    }
    response = render(request, template, {**chrome, **context}, status=status)
    response["Content-Language"] = language
    # The form posts may end on a redirect ending; form-action also governs where that redirect may go.
    targets = [
        f"{parts.scheme}://{parts.netloc}"
        for ending in definition.get("endings") or []
        if ending.get("type") == "redirect" and (parts := urlsplit(str(ending.get("url", "")))).netloc
    ]
    if targets:
        response._csp_replace = {"form-action": ["'self'", *targets]}  # type: ignore[attr-defined]
    return response


def _remember_client(response: HttpResponse, visit: Visit) -> HttpResponse:
    response.set_cookie(
        COOKIE,
        str(visit.client_id),
        max_age=COOKIE_AGE,
        path=visit.url(),
        secure=visit.request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _redirect(visit: Visit, url: str) -> HttpResponse:
    return _remember_client(HttpResponseRedirect(url), visit)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "surveys/public/not_found.html",
        {},
        survey=None,
        definition={},
        language=translation.get_language() or "en",
        status=404,
    )


def _unavailable(request: HttpRequest, survey: Survey, reason: str) -> HttpResponse:
    version = survey.current_version
    definition: Mapping[str, Any] = (
        version.definition
        if version is not None
        else {"base_language": survey.base_language, "languages": [survey.base_language]}
    )
    language = _language(request, definition, None, _offered(definition, request.GET.get("lang")))
    with translation.override(language):
        titles = {
            "draft": _("This survey is not available"),
            "paused": _("This survey is paused"),
            "not_started": _("This survey is not open yet"),
            "closed": _("This survey is closed"),
            "full": _("This survey is full"),
        }
        return _page(
            request,
            "surveys/public/unavailable.html",
            {"reason": reason, "title": titles[reason], "message": str(UNAVAILABLE_MESSAGES[reason])},
            survey=survey,
            definition=definition if version is not None else {},
            language=language,
            status=UNAVAILABLE_STATUS.get(reason, 200),
        )


def _ending_of(visit: Visit) -> tuple[Mapping[str, Any], str]:
    """The ending the finished response reached, and its redirect address if it is a redirect."""
    assert visit.response is not None
    endings = [e for e in visit.definition.get("endings") or [] if isinstance(e, Mapping)]
    ending = next(
        (e for e in endings if e.get("key") == visit.response.ending), endings[0] if endings else {}
    )
    url = str(ending.get("url", ""))
    redirect = ending.get("type") == "redirect" and urlsplit(url).scheme in ("http", "https")
    return ending, url if redirect else ""


def _ending(visit: Visit) -> HttpResponse:
    ending, url = _ending_of(visit)
    if url:
        return _redirect(visit, url)
    base = str(visit.definition.get("base_language", "en"))
    ctx = visit.ctx()
    title, text = (
        pipe(localized(ending.get(part), visit.language, base), visit.definition, ctx, visit.language)
        for part in ("title", "text")
    )
    page = _page(
        visit.request,
        "surveys/public/ending.html",
        {"title": title or _("Thank you!"), "text": text},
        survey=visit.survey,
        definition=visit.definition,
        language=visit.language,
    )
    return _remember_client(page, visit)


def _form_page(
    visit: Visit, template: str, context: dict[str, Any], errors: list[dict[str, str]]
) -> HttpResponse:
    new = visit.response is None
    page = _page(
        visit.request,
        template,
        {
            **context,
            "errors": errors,
            "lang": visit.language,
            "state_inputs": visit.state.inputs() if new else [],
        },
        survey=visit.survey,
        definition=visit.definition,
        language=visit.language,
        switcher_query=visit.state.link_query() if new else {},
        # Before the first answer the link's state must survive a switch; afterwards it is stored.
        switcher_url="" if new else visit.request.path,
    )
    return _remember_client(page, visit)


def _step_page(
    visit: Visit, key: str, value: Any = None, error: str | None = None, *, sent: bool = False
) -> HttpResponse:
    """One question of a one-per-screen survey."""
    question = visit.questions[key]
    answers = visit.answers
    path = walk(visit.definition, visit.ctx()).questions
    position = path.index(key) if key in path else 0
    shown = value if sent else answers.get(key)
    q = _present(visit, question, shown, error, level=1)
    answers_with = {**answers, **({key: value} if sent and value is not None else {})}
    last = next_step(visit.definition, visit.ctx(answers_with), key) is None
    settings = visit.definition.get("settings") or {}
    context = {
        "q": q,
        "action": visit.url(key),
        "back_url": visit.url(path[position - 1]) if position > 0 else "",
        "progress": {"current": position + 1, "total": len(path)} if settings.get("progress") else None,
        "last": last,
    }
    errors = [{"target": q["first_input"], "message": error}] if error else []
    return _form_page(visit, "surveys/public/question.html", context, errors)


def _all_page(
    visit: Visit, values: Values | None = None, errors: Mapping[str, str] | None = None
) -> HttpResponse:
    """Every question of an all-on-one survey in one form."""
    errors = errors or {}
    shown = values if values is not None else visit.answers
    questions = [
        _present(visit, q, shown.get(q["key"]), errors.get(q["key"]), level=2)
        for q in visit.definition.get("questions", [])
    ]
    logic = {
        "questions": [
            {k: q[k] for k in ("key", "type", "visible_if", "jumps") if k in q}
            for q in visit.definition.get("questions", [])
        ],
        "endings": [{"key": e.get("key")} for e in visit.definition.get("endings") or []],
        "hidden": dict(visit.ctx().hidden),
        "meta": dict(visit.ctx().meta),
    }
    summary = [{"target": q["first_input"], "message": q["error"]} for q in questions if q["error"]]
    context = {"questions": questions, "action": visit.url(), "logic": logic}
    return _form_page(visit, "surveys/public/all_on_one.html", context, summary)


# -- the flow -------------------------------------------------------------------------------------------


def _resume_at(visit: Visit) -> str | None:
    """Where a returning respondent continues: the first unanswered question on their path."""
    path = walk(visit.definition, visit.ctx()).questions
    questions, answers = visit.questions, visit.answers
    if visit.response is None:
        return path[0] if path else None
    pending = [k for k in path if _answerable(questions[k]) and k not in answers]
    return pending[0] if pending else (path[-1] if path else None)


def _reachable(visit: Visit, key: str) -> bool:
    """A question page may be opened once every required question before it on the path is answered."""
    path = walk(visit.definition, visit.ctx()).questions
    if key not in path:
        return False
    before = path[: path.index(key)]
    if visit.response is None:
        return not before
    questions, answers = visit.questions, visit.answers
    return all(
        k in answers or not (questions[k].get("required") and _answerable(questions[k])) for k in before
    )


def _after_answer(visit: Visit, finished: bool, key: str | None) -> HttpResponse:
    if finished:
        # A redirect ending leaves at once; a message is shown at the survey's address, so that a reload
        # does not send the form again.
        return _ending(visit) if _ending_of(visit)[1] else _redirect(visit, visit.url())
    nxt = next_step(visit.definition, visit.ctx(), key) if key else _resume_at(visit)
    return _redirect(visit, visit.url(nxt) if nxt else visit.url())


def _prefill(visit: Visit) -> HttpResponse | None:
    """``?<first question>=<value>`` answers the first question from the link (e.g. a click on an NPS
    number in an email): saved at once, then the respondent continues at the next step. An answer that
    does not fit is ignored."""
    first = next_step(visit.definition, visit.ctx(), None)
    raw = _scrub(visit.request.GET).get(first) if first else None
    if first is None or raw is None or visit.request.method != "GET":
        return None
    question = visit.questions[first]
    value, error = _check(question, _from_link(question, raw)) if _answerable(question) else (None, "")
    if error is not None or value is None:
        return None
    finished = next_step(visit.definition, visit.ctx({**visit.answers, first: value}), first) is None
    try:
        visit.submit({first: value}, finished=finished)
    except SubmissionInvalid:
        return None
    return _after_answer(visit, finished, first)


def _remember_link(visit: Visit) -> None:
    """A returning respondent who opens a link with another language or hidden fields keeps them."""
    if visit.response is None or not (
        visit.state.hidden or visit.state.lang not in ("", visit.response.language)
    ):
        return
    try:
        visit.submit({}, finished=False, meta=False)
    except (SubmissionInvalid, SurveyUnavailable):
        return


def _submit_step(visit: Visit, key: str) -> HttpResponse:
    question = visit.questions[key]
    answers: dict[str, Any] = {}
    value = None
    if _answerable(question):
        sent = _read(question, _scrub(visit.request.POST))
        value, error = _check(question, sent)
        if error is not None:
            return _step_page(visit, key, sent, error, sent=True)
        answers = {key: value}
    with_this = {k: v for k, v in {**visit.answers, **answers}.items() if v is not None}
    finished = next_step(visit.definition, visit.ctx(with_this), key) is None
    try:
        visit.submit(answers, finished=finished)
    except SubmissionInvalid as exc:
        elsewhere = [k for k in exc.errors if k != key and k in visit.questions]
        if finished and elsewhere and key not in exc.errors:
            # A required answer earlier on the path is missing: send the respondent back to it.
            return _redirect(visit, visit.url(elsewhere[0]))
        message = "; ".join(m for messages in exc.errors.values() for m in messages)
        return _step_page(visit, key, value, message, sent=True)
    return _after_answer(visit, finished, key)


def _submit_all(visit: Visit) -> HttpResponse:
    """An all-on-one form: answers that fall off the path (hidden by logic) are dropped, as is the whole
    form's validation for them. ``_partial`` saves progress as the respondent goes (sent by page.ts)."""
    form = _scrub(visit.request.POST)
    partial = form.get("_partial") == "1"
    answerable = [q for q in visit.definition.get("questions", []) if _answerable(q)]
    sent = {q["key"]: _read(q, form) for q in answerable}
    checked = {q["key"]: _check(q, sent[q["key"]]) for q in answerable}
    valid = {k: v for k, (v, error) in checked.items() if error is None and v is not None}
    path = walk(visit.definition, visit.ctx(valid)).questions
    errors = {k: error for k, (_v, error) in checked.items() if error is not None and k in path}
    answers = {k: valid.get(k) for k in sent if k not in errors}
    if partial:
        try:
            visit.submit(answers, finished=False)
        except (SubmissionInvalid, SurveyUnavailable):
            return _remember_client(JsonResponse({"saved": False}), visit)
        return _remember_client(JsonResponse({"saved": True}), visit)
    if errors:
        return _all_page(visit, sent, errors)
    try:
        visit.submit(answers, finished=True)
    except SubmissionInvalid as exc:
        return _all_page(visit, sent, {k: "; ".join(messages) for k, messages in exc.errors.items()})
    return _after_answer(visit, True, None)


def _https_images(view: View) -> View:
    """The theme's logo is an https image from anywhere: img-src allows that on these pages only."""
    return cast(View, csp_update({"img-src": ["https:"]})(view))


@_https_images
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest, public_id: str) -> HttpResponse:
    """The survey's public address: the first question (or the whole form), resume, or the ending."""
    survey = (
        Survey.all_orgs.select_related("organization", "current_version").filter(public_id=public_id).first()
    )
    if survey is None:
        return _not_found(request)
    with organization_context(survey.organization):
        visit = _visit(request, survey)
        if visit is None:
            return _unavailable(request, survey, survey_unavailable_reason(survey) or "draft")
        with translation.override(visit.language):
            return _start(visit)


def _start(visit: Visit) -> HttpResponse:
    if visit.response is not None and visit.response.finished_at is not None:
        return _ending(visit)
    try:
        answered = _answer_from_start(visit)
    except SurveyUnavailable as exc:
        return _unavailable(visit.request, visit.survey, exc.reason)
    if answered is not None:
        return answered
    resume = _resume_at(visit)
    # A path that shows nothing (logic on hidden fields hid every question) is just a submit button.
    if visit.layout == "all_on_one" or resume is None:
        return _all_page(visit)
    if visit.response is not None:
        return _redirect(visit, visit.url(resume))
    return _step_page(visit, resume)


def _answer_from_start(visit: Visit) -> HttpResponse | None:
    """The all-on-one form's answers, or an answer or hidden fields given in the link."""
    if visit.request.method == "POST":
        one_form = visit.layout == "all_on_one" or _resume_at(visit) is None
        return _submit_all(visit) if one_form else _redirect(visit, visit.url())
    prefilled = _prefill(visit)
    if prefilled is None:
        _remember_link(visit)
    return prefilled


@_https_images
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def question(request: HttpRequest, public_id: str, key: str) -> HttpResponse:
    """One question of a one-per-screen survey: show it (GET) or save its answer and move on (POST)."""
    survey = (
        Survey.all_orgs.select_related("organization", "current_version").filter(public_id=public_id).first()
    )
    if survey is None:
        return _not_found(request)
    with organization_context(survey.organization):
        visit = _visit(request, survey)
        if visit is None:
            return _unavailable(request, survey, survey_unavailable_reason(survey) or "draft")
        with translation.override(visit.language):
            finished = visit.response is not None and visit.response.finished_at is not None
            if finished or visit.layout == "all_on_one" or not _reachable(visit, key):
                return _redirect(visit, visit.url())
            try:
                if request.method == "POST":
                    return _submit_step(visit, key)
                _remember_link(visit)
            except SurveyUnavailable as exc:
                return _unavailable(request, survey, exc.reason)
            return _step_page(visit, key)
