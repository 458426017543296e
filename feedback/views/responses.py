"""The responses pages: the stream of feedback with filters, and one response in full."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from core.views import OrgViewMixin
from feedback.alerts.selectors import alert_trace_for_response
from feedback.models import Channel, Response
from feedback.selectors import (
    Cursor,
    ResponseFilters,
    contact_responses,
    response_get,
    response_page,
    survey_filter_choices,
    touchpoint_filter_choices,
)
from surveys.definition import Context
from surveys.definition.piping import localized, pipe
from surveys.definition.types import QUESTION_TYPES, scale_of
from surveys.models import Survey, Touchpoint
from tickets.selectors import ticket_for_response

PAGE_SIZE = 50


class _NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ResponseFilterForm(forms.Form):
    """The list's filters. Anything that does not parse is ignored rather than refused."""

    q = forms.CharField(
        label=gettext_lazy("Search comments"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    survey = _NamedChoiceField(
        label=gettext_lazy("Survey"),
        queryset=Survey.all_orgs.none(),
        required=False,
        empty_label=gettext_lazy("All surveys"),
    )
    touchpoint = _NamedChoiceField(
        label=gettext_lazy("Touchpoint"),
        queryset=Touchpoint.all_orgs.none(),
        required=False,
        empty_label=gettext_lazy("All touchpoints"),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", gettext_lazy("All channels")), *Channel.choices],
        required=False,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("All languages")), *settings.LANGUAGES],
        required=False,
    )
    finished = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            ("", gettext_lazy("Finished and partial")),
            ("yes", gettext_lazy("Finished")),
            ("no", gettext_lazy("Partial")),
        ],
        required=False,
    )
    received_from = forms.DateField(
        label=gettext_lazy("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=gettext_lazy("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, surveys: QuerySet[Survey], touchpoints: QuerySet[Touchpoint], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["touchpoint"].queryset = touchpoints  # type: ignore[attr-defined]

    def filters(self) -> ResponseFilters:
        # Field by field, so that one bad value does not drop the others.
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        survey, touchpoint = data.get("survey"), data.get("touchpoint")
        zone = timezone.get_current_timezone()
        start, end = data.get("received_from"), data.get("received_to")
        return ResponseFilters(
            survey_id=survey.pk if survey is not None else None,
            touchpoint_id=touchpoint.pk if touchpoint is not None else None,
            channel=data.get("channel") or "",
            language=data.get("language") or "",
            finished={"yes": True, "no": False}.get(data.get("finished") or ""),
            # Dates are days in the reader's time zone; "until" includes that whole day.
            received_from=dt.datetime.combine(start, dt.time.min, zone) if start else None,
            received_before=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, zone)
            if end
            else None,
            search=data.get("q") or "",
        )


class ResponseScopeMixin(OrgViewMixin):
    permission = Perm.RESPONSES_VIEW

    @cached_property
    def scope(self) -> AccessScope:
        return access_scope_for(membership=self.membership)


class ResponseListView(ResponseScopeMixin, TemplateView):
    template_name = "feedback/responses/list.html"

    @cached_property
    def filter_form(self) -> ResponseFilterForm:
        return ResponseFilterForm(
            self.request.GET or None,
            surveys=survey_filter_choices(organization=self.organization, scope=self.scope),
            touchpoints=touchpoint_filter_choices(organization=self.organization, scope=self.scope),
        )

    def get_template_names(self) -> list[str]:
        # htmx filter requests swap only the results.
        if getattr(self.request, "htmx", False):
            return ["feedback/responses/_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filter_form.filters()
        after = Cursor.decode(self.request.GET.get("after", ""))
        before = None if after else Cursor.decode(self.request.GET.get("before", ""))
        page = response_page(
            organization=self.organization,
            scope=self.scope,
            filters=filters,
            after=after,
            before=before,
            size=PAGE_SIZE,
        )
        # Page links keep the filters and replace the cursor.
        query = self.request.GET.copy()
        for name in ("after", "before"):
            query.pop(name, None)
        context.update(
            filter_form=self.filter_form,
            filtered=filters != ResponseFilters(),
            page=page,
            responses=page.responses,
            filter_query=query.urlencode(),
            paged=after is not None or before is not None,
            can_export=self.can(Perm.RESPONSES_EXPORT),
        )
        return context


# --- one response in full ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    key: str
    question: str
    type_label: str
    lines: list[str]


def _choice_label(question: Mapping[str, Any], value: Any, language: str, base: str) -> str:
    if isinstance(value, Mapping) and set(value) == {"other"}:
        return _("Other: %(text)s") % {"text": value["other"]}
    labels = {c.get("key"): c.get("label") for c in question.get("choices") or []}
    return localized(labels[value], language, base) if value in labels else str(value)


Lines = list[str]


def _scale_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    scale = scale_of(question)
    return [f"{value} / {scale[1]}" if scale and isinstance(value, int) else str(value)]


def _yes_no_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    return [_("Yes") if value is True else _("No")]


def _consent_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    return [_("Consent given") if value is True else _("Consent not given")]


def _single_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    return [_choice_label(question, value, language, base)]


def _multiple_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    items = value if isinstance(value, list) else [value]
    return [_choice_label(question, item, language, base) for item in items]


def _ranking_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    items = value if isinstance(value, list) else [value]
    return [f"{n}. {_choice_label(question, item, language, base)}" for n, item in enumerate(items, start=1)]


def _labels(items: Any, language: str, base: str) -> dict[Any, str]:
    return {
        i.get("key"): localized(i.get("label"), language, base) for i in items or [] if isinstance(i, Mapping)
    }


def _matrix_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    if not isinstance(value, Mapping):
        return [str(value)]
    rows, columns = (
        _labels(question.get("rows"), language, base),
        _labels(question.get("columns"), language, base),
    )
    return [f"{rows.get(row, row)}: {columns.get(column, column)}" for row, column in value.items()]


def _contact_lines(question: Mapping[str, Any], value: Any, language: str, base: str) -> Lines:
    if not isinstance(value, Mapping):
        return [str(value)]
    return [f"{name}: {text}" for name, text in value.items() if text]


FORMATTERS = {
    "nps": _scale_lines,
    "csat": _scale_lines,
    "ces": _scale_lines,
    "rating": _scale_lines,
    "yes_no": _yes_no_lines,
    "consent": _consent_lines,
    "single_choice": _single_lines,
    "dropdown": _single_lines,
    "multiple_choice": _multiple_lines,
    "ranking": _ranking_lines,
    "matrix": _matrix_lines,
    "contact": _contact_lines,
}


def answer_lines(question: Mapping[str, Any] | None, value: Any, language: str, base: str) -> Lines:
    """An answer as lines of plain text (the template escapes them), labels in ``language``."""
    formatter = FORMATTERS.get(str((question or {}).get("type")))
    if question is None or formatter is None:
        return [str(value)]
    return formatter(question, value, language, base)


def answer_rows(response: Response, language: str) -> list[AnswerRow]:
    """Every answer, in the order of the response's own survey version, with its question text."""
    definition: Mapping[str, Any] = response.survey_version.definition if response.survey_version else {}
    base = str(definition.get("base_language", "en"))
    questions = {str(q.get("key")): q for q in definition.get("questions", []) if isinstance(q, Mapping)}
    answers: Mapping[str, Any] = response.answers if isinstance(response.answers, Mapping) else {}
    ordered = [key for key in questions if key in answers] + [key for key in answers if key not in questions]
    if response.survey_version is None:
        # Feedback without a survey keeps its scores as answers; the summary shows them already.
        ordered = [key for key in ordered if key not in ("nps", "csat", "ces")]
    # Question texts read as the respondent saw them: "Why {{answer.nps}}?" shows their score.
    ctx = Context(
        answers=answers,
        hidden=response.hidden_fields if isinstance(response.hidden_fields, Mapping) else {},
        meta=response.meta if isinstance(response.meta, Mapping) else {},
    )
    rows = []
    for key in ordered:
        question = questions.get(key)
        qtype = QUESTION_TYPES.get(str((question or {}).get("type")))
        text = localized((question or {}).get("text"), language, base)
        rows.append(
            AnswerRow(
                key=str(key),
                question=(pipe(text, definition, ctx, language) if text else "") or str(key),
                type_label=str(qtype.label) if qtype else "",
                lines=answer_lines(question, answers[key], language, base),
            )
        )
    return rows


class ResponseDetailView(ResponseScopeMixin, TemplateView):
    template_name = "feedback/responses/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            response = response_get(
                organization=self.organization, scope=self.scope, response_id=kwargs["response_id"]
            )
        except Response.DoesNotExist:
            raise Http404 from None
        others: list[Response] = []
        if response.contact is not None:
            others = contact_responses(
                organization=self.organization,
                scope=self.scope,
                contact=response.contact,
                exclude_id=response.pk,
            )
        # The keyed hash of the address is for rate limits and abuse checks, not for readers.
        metadata = sorted((str(k), str(v)) for k, v in response.meta.items() if k != "ip_hash")
        context.update(
            response=response,
            alert_trace=alert_trace_for_response(organization=self.organization, response=response),
            can_manage_alerts=self.can(Perm.ALERTS_MANAGE),
            can_open_ticket=self.can(Perm.TICKETS_WORK),
            response_ticket=ticket_for_response(organization=self.organization, response=response),
            answers=answer_rows(response, translation.get_language() or settings.LANGUAGE_CODE),
            hidden_fields=sorted((str(k), str(v)) for k, v in response.hidden_fields.items()),
            metadata=metadata,
            other_responses=others,
        )
        return context
