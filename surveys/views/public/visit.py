"""Who is answering: the respondent's state from the link, the form and the cookie."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation.trans_real import parse_accept_lang_header

from campaigns.models import Invitation
from feedback.models import Channel, Contact, Response
from feedback.services import (
    choose_language,
    response_submit,
    survey_unavailable_reason,
)
from surveys.definition import Context
from surveys.definition.piping import localized
from surveys.models import Survey

COOKIE = "cx_response"
# "followup": the token of the ticket whose follow-up survey this is (tickets.services.followup).
META_KEYS = ("channel", "source", "referrer", "device", "url", "locale", "followup")
SOURCE_CHANNELS = {"email": Channel.EMAIL, "sms": Channel.SMS}
_TAG = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
_INVITE = re.compile(r"^[A-Za-z0-9_-]{8,24}$")
_TOUCHPOINT = re.compile(r"^[1-9][0-9]{0,17}$")
_TABLET = re.compile(r"ipad|tablet|playbook|silk|kindle|android(?!.*mobi)", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|opera mini|blackberry", re.IGNORECASE)

Values = Mapping[str, Any]


# -- who is answering ------------------------------------------------------------------------------------


@dataclass
class State:
    """What the link says beyond answers: the language asked for, hidden fields and metadata. Until the
    response exists it travels from the link to the first answer in hidden inputs."""

    lang: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    # The personal link's token (``?i=``, campaigns) and the touchpoint (``?tp=``, QR codes and kiosks):
    # they travel to the first answer like the rest, but are not stored in the response's metadata.
    invite: str = ""
    touchpoint: str = ""

    @property
    def channel(self) -> str:
        return str(SOURCE_CHANNELS.get(self.meta.get("source", ""), Channel.LINK))

    def inputs(self) -> list[tuple[str, str]]:
        return [
            *((f"_h.{name}", value) for name, value in self.hidden.items()),
            *((f"_m.{name}", value) for name, value in self.meta.items()),
            *((("_m.invite", self.invite),) if self.invite else ()),
            *((("_m.tp", self.touchpoint),) if self.touchpoint else ()),
        ]

    def link_query(self) -> dict[str, str]:
        """The query that reproduces this state on another link (the language switcher)."""
        return {
            **self.hidden,
            **({"source": self.meta["source"]} if "source" in self.meta else {}),
            **({"i": self.invite} if self.invite else {}),
            **({"tp": self.touchpoint} if self.touchpoint else {}),
        }


@dataclass
class Visit:
    request: HttpRequest
    survey: Survey
    definition: Mapping[str, Any]
    response: Response | None
    client_id: uuid.UUID
    state: State
    language: str = ""
    contact: Contact | None = None

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
            contact=self.contact,
            touchpoint_id=int(self.state.touchpoint) if self.state.touchpoint else None,
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
    followup = query.get("followup", "")
    if _TOKEN.match(followup):
        meta["followup"] = followup
    referrer = request.headers.get("Referer", "")
    # Our own pages (the language switcher) are not where the respondent came from.
    if referrer and urlsplit(referrer).netloc != request.get_host():
        meta["referrer"] = referrer
    accepted = parse_accept_lang_header(request.headers.get("Accept-Language", ""))
    if accepted:
        meta["locale"] = accepted[0][0]
    hidden = {name: query.get(name, "") for name in _declared(definition) if query.get(name)}
    return State(
        _offered(definition, query.get("lang")),
        hidden,
        meta,
        invite=_matching(_INVITE, query.get("i")),
        touchpoint=_matching(_TOUCHPOINT, query.get("tp")),
    )


def _state_from_form(data: QueryDict, definition: Mapping[str, Any]) -> State:
    hidden = {name: data.get(f"_h.{name}", "") for name in _declared(definition) if data.get(f"_h.{name}")}
    meta = {name: data.get(f"_m.{name}", "") for name in META_KEYS if data.get(f"_m.{name}")}
    return State(
        _offered(definition, data.get("_lang")),
        hidden,
        meta,
        invite=_matching(_INVITE, data.get("_m.invite")),
        touchpoint=_matching(_TOUCHPOINT, data.get("_m.tp")),
    )


def _matching(pattern: re.Pattern[str], value: str | None) -> str:
    return value if value and pattern.match(value) else ""


def _invitation(survey: Survey, token: str) -> Invitation | None:
    """The campaign invitation of a personal link to this survey."""
    if not token:
        return None
    return (
        Invitation.all_orgs.select_related("contact")
        .filter(organization_id=survey.organization_id, survey_id=survey.pk, token=token)
        .first()
    )


def _with_invitation(
    state: State, invitation: Invitation, definition: Mapping[str, Any], response: Response | None
) -> None:
    """The invited contact answers on the invitation's channel, and starts in its language."""
    state.meta["source"] = invitation.channel
    state.meta["channel"] = invitation.channel
    if not state.lang and response is None:
        state.lang = _offered(definition, invitation.language)


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


def _invited_response(invitation: Invitation) -> tuple[uuid.UUID, Response | None]:
    """A personal link always continues the invitation's own response: one contact, one response."""
    response = (
        Response.objects.select_related("survey_version").filter(client_id=invitation.client_id).first()
    )
    return invitation.client_id, response


def _visit(request: HttpRequest, survey: Survey) -> Visit | None:
    """The respondent of this request, or None when the survey takes no new responses."""
    data = _scrub(request.POST) if request.method == "POST" else None
    token = (data.get("_m.invite") if data is not None else _scrub(request.GET).get("i")) or ""
    invitation = _invitation(survey, _matching(_INVITE, token))
    if invitation is not None:
        client_id, response = _invited_response(invitation)
    else:
        client_id, response = _find_response(request, survey)
    if response is not None and response.survey_version is not None:
        definition = response.survey_version.definition
    elif survey_unavailable_reason(survey) is None and survey.current_version is not None:
        definition = survey.current_version.definition
    else:
        return None
    state = _state_from_form(data, definition) if data is not None else _state_from_link(request, definition)
    if invitation is not None:
        _with_invitation(state, invitation, definition, response)
    else:
        state.invite = ""
    visit = Visit(request, survey, definition, response, client_id, state)
    visit.contact = invitation.contact if invitation is not None else None
    visit.language = _language(request, definition, response, state.lang)
    return visit


# -- reading and checking answers ----------------------------------------------------------------------
