"""The two URLs of the link survey."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.tenancy import organization_context
from feedback.services import (
    SurveyUnavailable,
    survey_unavailable_reason,
)
from surveys.models import Survey
from surveys.views.public.pages import (
    _all_page,
    _ending,
    _not_found,
    _prefill,
    _reachable,
    _redirect,
    _remember_link,
    _resume_at,
    _step_page,
    _submit_all,
    _submit_step,
    _unavailable,
)
from surveys.views.public.visit import Visit, _visit

View = TypeVar("View", bound=Callable[..., HttpResponse])


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
