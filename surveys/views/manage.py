"""Survey management pages under /o/<org_slug>/surveys/: the list, creating a survey (blank or from a
template), its overview and settings, and the journey with its touchpoints.

Every object is loaded within the organisation and the member's access scope: anything else is a 404.
Viewing needs Perm.SURVEYS_VIEW, changing Perm.SURVEYS_EDIT. The journey's structure (stages, new
touchpoints) is shared by everyone, so only members without access-group limits change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView, View

from accounts.models import User
from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from core.views import OrgViewMixin
from surveys.forms import (
    BLANK,
    JourneyStageForm,
    StageMoveForm,
    SurveyCreateForm,
    SurveyFilterForm,
    SurveySettingsForm,
    SurveyStatusForm,
    TouchpointForm,
    add_service_error,
)
from surveys.library import TEMPLATES, template_definition
from surveys.models import JourneyStage, Survey, SurveyStatus, Touchpoint
from surveys.selectors import (
    journey_stage_choices,
    journey_stage_get,
    journey_stage_list,
    survey_get,
    survey_in_scope,
    survey_list,
    touchpoint_assignable,
    touchpoint_choices,
    touchpoint_get,
    touchpoint_list,
)
from surveys.services import (
    journey_stage_create,
    journey_stage_delete,
    journey_stage_update,
    survey_create,
    survey_delete,
    survey_duplicate,
    survey_set_status,
    survey_update_settings,
    touchpoint_create,
    touchpoint_delete,
    touchpoint_update,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def reverse_or_none(name: str, **kwargs: Any) -> str | None:
    """The URL of a page that may not exist yet (the builder and version pages land separately)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def public_url(survey: Survey) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/s/{survey.public_id}/"


class SurveyAccessMixin(OrgViewMixin):
    """Loads surveys and touchpoints within the organisation and the member's access scope."""

    @cached_property
    def scope(self) -> AccessScope:
        return access_scope_for(membership=self.membership)

    def get_survey(self, survey_id: int) -> Survey:
        try:
            return survey_get(organization=self.organization, survey_id=survey_id, scope=self.scope)
        except Survey.DoesNotExist:
            raise Http404 from None

    def get_touchpoint(self, touchpoint_id: int) -> Touchpoint:
        try:
            return touchpoint_get(
                organization=self.organization, touchpoint_id=touchpoint_id, scope=self.scope
            )
        except Touchpoint.DoesNotExist:
            raise Http404 from None

    def get_stage(self, stage_id: int) -> JourneyStage:
        try:
            return journey_stage_get(organization=self.organization, stage_id=stage_id)
        except JourneyStage.DoesNotExist:
            raise Http404 from None


class FullScopeOnly:
    """Changing the journey's structure affects every member: refused (403) to members limited by an
    access group. Placed after SurveyAccessMixin so that outsiders still get their 404 first."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        scope: AccessScope = self.scope  # type: ignore[attr-defined]
        if not scope.unrestricted:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class SurveyActionView(SurveyAccessMixin, View):
    """A POST-only change to one survey; answers with a redirect and a message."""

    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]


# --- surveys -----------------------------------------------------------------------------------------


class SurveyListView(SurveyAccessMixin, ListView[Survey]):
    permission = Perm.SURVEYS_VIEW
    template_name = "surveys/manage/survey_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "surveys"

    @cached_property
    def filter_form(self) -> SurveyFilterForm:
        touchpoints = touchpoint_choices(organization=self.organization, scope=self.scope)
        return SurveyFilterForm(self.request.GET, touchpoints=touchpoints)

    def get_queryset(self) -> QuerySet[Survey]:
        return survey_list(organization=self.organization, scope=self.scope, **self.filter_form.filters())

    def get_template_names(self) -> list[str]:
        # htmx filter requests swap only the results.
        if getattr(self.request, "htmx", False):
            return ["surveys/manage/_survey_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filter_form.filters()
        context["filter_form"] = self.filter_form
        context["filtered"] = any(filters.values())
        context["can_edit"] = self.can(Perm.SURVEYS_EDIT)
        return context


@dataclass(frozen=True)
class StartOption:
    key: str
    name: str | Promise
    description: str | Promise
    question_count: int


def start_options() -> list[StartOption]:
    blank = StartOption(
        BLANK,
        gettext_lazy("Blank survey"),
        gettext_lazy("Start with no questions and build the survey yourself."),
        0,
    )
    return [
        blank,
        *(
            StartOption(t.key, t.name, t.description, len(t.definition["questions"]))
            for t in TEMPLATES.values()
        ),
    ]


class SurveyCreateView(SurveyAccessMixin, FormView[SurveyCreateForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "surveys/manage/survey_create.html"
    form_class = SurveyCreateForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "touchpoints": touchpoint_assignable(organization=self.organization, scope=self.scope),
            "allow_new_touchpoint": self.scope.unrestricted,
        }

    def get_initial(self) -> dict[str, Any]:
        chosen = self.request.GET.get("template", "")
        return {
            "base_language": self.organization.default_language,
            "start_from": chosen if chosen in TEMPLATES else BLANK,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["start_options"] = start_options()
        context["chosen_start"] = context["form"]["start_from"].value() or BLANK
        return context

    def form_valid(self, form: SurveyCreateForm) -> HttpResponse:
        data = form.cleaned_data
        start = data["start_from"]
        definition = None if start == BLANK else template_definition(start, data["base_language"])
        with transaction.atomic():
            touchpoint: Touchpoint = data["touchpoint"]
            if data.get("new_touchpoint"):
                try:
                    touchpoint = touchpoint_create(
                        organization=self.organization, name=data["new_touchpoint"]
                    )
                except ValidationError as exc:
                    form.add_error("new_touchpoint", exc.messages)
                    return self.form_invalid(form)
            try:
                survey = survey_create(
                    organization=self.organization,
                    name=data["name"],
                    touchpoint=touchpoint,
                    base_language=data["base_language"],
                    created_by=_user(self.request),
                    definition=definition,
                )
            except ValidationError as exc:
                # Undo the touchpoint made for this survey too.
                transaction.set_rollback(True)
                add_service_error(form, exc)
                return self.form_invalid(form)
        messages.success(self.request, _("The survey “%(name)s” is created.") % {"name": survey.name})
        slug = self.organization.slug
        builder = reverse_or_none("surveys:builder", org_slug=slug, survey_id=survey.pk)
        return redirect(builder or reverse("surveys:survey_detail", args=[slug, survey.pk]))


@dataclass(frozen=True)
class StatusAction:
    status: str
    label: str | Promise
    confirm: str | Promise
    danger: bool = False


STATUS_ACTIONS: dict[str, list[StatusAction]] = {
    SurveyStatus.DRAFT: [],
    SurveyStatus.LIVE: [
        StatusAction(
            SurveyStatus.PAUSED,
            gettext_lazy("Pause"),
            gettext_lazy("Pause this survey? Respondents see that it is paused until you resume it."),
        ),
        StatusAction(
            SurveyStatus.CLOSED,
            gettext_lazy("Close"),
            gettext_lazy("Close this survey? It stops taking responses. You can reopen it later."),
            danger=True,
        ),
    ],
    SurveyStatus.PAUSED: [
        StatusAction(
            SurveyStatus.LIVE,
            gettext_lazy("Resume"),
            gettext_lazy("Resume this survey? It takes responses again."),
        ),
        StatusAction(
            SurveyStatus.CLOSED,
            gettext_lazy("Close"),
            gettext_lazy("Close this survey? It stops taking responses. You can reopen it later."),
            danger=True,
        ),
    ],
    SurveyStatus.CLOSED: [
        StatusAction(
            SurveyStatus.LIVE,
            gettext_lazy("Reopen"),
            gettext_lazy("Reopen this survey? It takes responses again."),
        ),
    ],
}


@dataclass(frozen=True)
class Tab:
    label: str | Promise
    url: str
    active: bool


def survey_tabs(survey: Survey, slug: str, current: str, *, can_edit: bool) -> list[Tab]:
    """The survey's own navigation; pages that do not exist yet, or that only editors may open, are
    left out."""
    candidates = [
        ("survey_detail", gettext_lazy("Overview")),
        *([("builder", gettext_lazy("Builder"))] if can_edit else []),
        ("survey_versions", gettext_lazy("Versions")),
        ("survey_share", gettext_lazy("Share")),
        *([("survey_settings", gettext_lazy("Settings"))] if can_edit else []),
    ]
    tabs = []
    for name, label in candidates:
        url = reverse_or_none(f"surveys:{name}", org_slug=slug, survey_id=survey.pk)
        if url is not None:
            tabs.append(Tab(label, url, name == current))
    return tabs


class SurveyDetailView(SurveyAccessMixin, TemplateView):
    permission = Perm.SURVEYS_VIEW
    template_name = "surveys/manage/survey_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        survey = self.get_survey(self.kwargs["survey_id"])
        slug = self.organization.slug
        version = survey.current_version
        context.update(
            survey=survey,
            tabs=survey_tabs(survey, slug, "survey_detail", can_edit=self.can(Perm.SURVEYS_EDIT)),
            can_edit=self.can(Perm.SURVEYS_EDIT),
            builder_url=reverse_or_none("surveys:builder", org_slug=slug, survey_id=survey.pk),
            versions_url=reverse_or_none("surveys:survey_versions", org_slug=slug, survey_id=survey.pk),
            public_url=public_url(survey),
            status_actions=STATUS_ACTIONS[survey.status],
            unpublished_changes=version is not None and version.definition != survey.draft,
            question_count=len(survey.draft.get("questions", [])),
            languages=[
                (code, name) for code, name in settings.LANGUAGES if code in survey.draft.get("languages", [])
            ],
        )
        return context


class SurveyStatusView(SurveyActionView):
    def post(self, request: HttpRequest, org_slug: str, survey_id: int) -> HttpResponse:
        survey = self.get_survey(survey_id)
        form = SurveyStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a status from the list."))
            return redirect("surveys:survey_detail", org_slug, survey.pk)
        try:
            survey = survey_set_status(
                survey=survey, status=form.cleaned_data["status"], actor=self.membership
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(
                request,
                _("“%(name)s” is now %(status)s.")
                % {"name": survey.name, "status": survey.get_status_display().lower()},
            )
        return redirect("surveys:survey_detail", org_slug, survey.pk)


class SurveyDuplicateView(SurveyActionView):
    def post(self, request: HttpRequest, org_slug: str, survey_id: int) -> HttpResponse:
        survey = self.get_survey(survey_id)
        try:
            copy = survey_duplicate(survey=survey, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
            return redirect("surveys:survey_detail", org_slug, survey.pk)
        messages.success(request, _("The copy “%(name)s” is created as a draft.") % {"name": copy.name})
        if not survey_in_scope(self.scope, copy):
            return redirect("surveys:survey_list", org_slug)
        return redirect("surveys:survey_detail", org_slug, copy.pk)


class SurveyDeleteView(SurveyActionView):
    def post(self, request: HttpRequest, org_slug: str, survey_id: int) -> HttpResponse:
        survey = self.get_survey(survey_id)
        name = survey.name
        try:
            survey_delete(survey=survey, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
            return redirect("surveys:survey_detail", org_slug, survey_id)
        messages.success(request, _("The survey “%(name)s” is deleted.") % {"name": name})
        return redirect("surveys:survey_list", org_slug)


class SurveySettingsView(SurveyAccessMixin, FormView[SurveySettingsForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "surveys/manage/survey_settings.html"
    form_class = SurveySettingsForm

    @cached_property
    def survey(self) -> Survey:
        return self.get_survey(self.kwargs["survey_id"])

    def get_form_kwargs(self) -> dict[str, Any]:
        touchpoints = touchpoint_assignable(
            organization=self.organization, scope=self.scope, include_id=self.survey.touchpoint_id
        )
        return {**super().get_form_kwargs(), "touchpoints": touchpoints}

    def get_initial(self) -> dict[str, Any]:
        return SurveySettingsForm.initial_for(self.survey)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "survey": self.survey,
            "tabs": survey_tabs(self.survey, self.organization.slug, "survey_settings", can_edit=True),
        }

    def form_valid(self, form: SurveySettingsForm) -> HttpResponse:
        data = form.cleaned_data
        # A fresh copy: the page header must keep the saved name when the change is refused.
        survey = Survey.all_orgs.get(organization=self.organization, pk=self.survey.pk)
        try:
            survey_update_settings(
                survey=survey,
                actor=self.membership,
                name=data["name"],
                touchpoint=data["touchpoint"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                response_limit=data["response_limit"],
                sampling_percent=data["sampling_percent"],
                recontact_days=data["recontact_days"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The settings of “%(name)s” are saved.") % {"name": survey.name})
        return redirect("surveys:survey_detail", self.organization.slug, survey.pk)


# --- the journey: stages and touchpoints ---------------------------------------------------------------


class TouchpointListView(SurveyAccessMixin, TemplateView):
    permission = Perm.SURVEYS_VIEW
    template_name = "surveys/manage/touchpoint_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        stages = list(journey_stage_list(organization=self.organization, scope=self.scope))
        if not self.scope.unrestricted:
            # Stages are shared, but a limited member has nothing to read in a stage they cannot see into.
            stages = [stage for stage in stages if stage.visible_touchpoints]  # type: ignore[attr-defined]
        can_edit = self.can(Perm.SURVEYS_EDIT)
        context.update(
            stages=stages,
            unassigned=list(
                touchpoint_list(organization=self.organization, scope=self.scope).filter(stage__isnull=True)
            ),
            can_edit=can_edit,
            can_change_journey=can_edit and self.scope.unrestricted,
        )
        return context


class TouchpointFormView(SurveyAccessMixin, FormView[TouchpointForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "surveys/manage/touchpoint_form.html"
    form_class = TouchpointForm

    touchpoint: Touchpoint | None = None

    def setup_object(self) -> None:
        """Load the touchpoint first: 404 outside the scope, 403 for a limited member's new one."""
        touchpoint_id = self.kwargs.get("touchpoint_id")
        if touchpoint_id is not None:
            self.touchpoint = self.get_touchpoint(touchpoint_id)
        elif not self.scope.unrestricted:
            raise PermissionDenied

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "stages": journey_stage_choices(organization=self.organization)}

    def get_initial(self) -> dict[str, Any]:
        if self.touchpoint is not None:
            return TouchpointForm.initial_for(self.touchpoint)
        stage = self.request.GET.get("stage", "")
        return {"stage": int(stage)} if stage.isdigit() else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "touchpoint": self.touchpoint}

    def form_valid(self, form: TouchpointForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            if self.touchpoint is None:
                touchpoint = touchpoint_create(
                    organization=self.organization,
                    name=data["name"],
                    stage=data["stage"],
                    description=data["description"],
                )
            else:
                touchpoint = touchpoint_update(
                    touchpoint=Touchpoint.all_orgs.get(organization=self.organization, pk=self.touchpoint.pk),
                    name=data["name"],
                    stage=data["stage"],
                    description=data["description"],
                )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The touchpoint “%(name)s” is saved.") % {"name": touchpoint.name})
        return redirect("surveys:touchpoint_list", self.organization.slug)


class TouchpointDeleteView(SurveyAccessMixin, View):
    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, touchpoint_id: int) -> HttpResponse:
        touchpoint = self.get_touchpoint(touchpoint_id)
        name = touchpoint.name
        try:
            touchpoint_delete(touchpoint=touchpoint)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The touchpoint “%(name)s” is deleted.") % {"name": name})
        return redirect("surveys:touchpoint_list", org_slug)


class StageFormView(SurveyAccessMixin, FullScopeOnly, FormView[JourneyStageForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "surveys/manage/stage_form.html"
    form_class = JourneyStageForm

    stage: JourneyStage | None = None

    def setup_object(self) -> None:
        stage_id = self.kwargs.get("stage_id")
        if stage_id is not None:
            self.stage = self.get_stage(stage_id)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        if self.stage is not None:
            return JourneyStageForm.initial_for(self.stage)
        last = journey_stage_choices(organization=self.organization).last()
        return {"position": last.position + 1 if last is not None else 0}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "stage": self.stage}

    def form_valid(self, form: JourneyStageForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            if self.stage is None:
                stage = journey_stage_create(
                    organization=self.organization, name=data["name"], position=data["position"]
                )
            else:
                stage = journey_stage_update(
                    stage=JourneyStage.all_orgs.get(organization=self.organization, pk=self.stage.pk),
                    name=data["name"],
                    position=data["position"],
                )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The journey stage “%(name)s” is saved.") % {"name": stage.name})
        return redirect("surveys:touchpoint_list", self.organization.slug)


class StageDeleteView(SurveyAccessMixin, FullScopeOnly, View):
    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, stage_id: int) -> HttpResponse:
        stage = self.get_stage(stage_id)
        name = stage.name
        journey_stage_delete(stage=stage)
        messages.success(
            request,
            _("The journey stage “%(name)s” is deleted; its touchpoints are kept, off the journey.")
            % {"name": name},
        )
        return redirect("surveys:touchpoint_list", org_slug)


class StageMoveView(SurveyAccessMixin, FullScopeOnly, View):
    """Moves a stage one place earlier or later and numbers the journey 0, 1, 2… again."""

    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, stage_id: int) -> HttpResponse:
        stage = self.get_stage(stage_id)
        form = StageMoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose whether to move the stage earlier or later."))
            return redirect("surveys:touchpoint_list", org_slug)
        with transaction.atomic():
            stages = list(journey_stage_choices(organization=self.organization).select_for_update())
            index = next((i for i, s in enumerate(stages) if s.pk == stage.pk), None)
            if index is None:
                raise Http404
            other = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
            if 0 <= other < len(stages):
                stages[index], stages[other] = stages[other], stages[index]
            for position, item in enumerate(stages):
                if item.position != position:
                    journey_stage_update(stage=item, name=item.name, position=position)
        return redirect("surveys:touchpoint_list", org_slug)
