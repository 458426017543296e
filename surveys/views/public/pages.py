"""Pages and the flow between them: where a respondent goes after each answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from feedback.services import (
    SubmissionInvalid,
    SurveyUnavailable,
)
from feedback.services.submit import UNAVAILABLE_MESSAGES
from surveys.definition import next_step, pipe, walk
from surveys.definition.piping import localized
from surveys.models import Survey
from surveys.views.public.present import _present, _switcher, _theme
from surveys.views.public.reading import _answerable, _check, _from_link, _read
from surveys.views.public.visit import COOKIE, Visit, _language, _offered, _scrub

COOKIE_AGE = 30 * 24 * 3600
UNAVAILABLE_STATUS = {"draft": 404, "closed": 410}

Values = Mapping[str, Any]


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
