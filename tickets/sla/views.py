"""SLA settings pages: policies (versioned), business-hours calendars with holidays, team queues."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.forms import add_service_error
from accounts.models import Team
from accounts.roles import Perm
from core.views import OrgActionView, OrgObjectFormView, OrgViewMixin
from tickets.models import BusinessCalendar, Holiday, SlaPolicy, TeamQueue
from tickets.sla import selectors, services
from tickets.sla.forms import BusinessCalendarForm, HolidayForm, SlaPolicyForm, TeamQueueForm

# The holiday form shares the calendar page with the calendar form: distinct field ids.
HOLIDAY_PREFIX = "holiday"


class PolicyListView(OrgViewMixin, TemplateView):
    permission = Perm.ALERTS_MANAGE
    template_name = "sla/policy_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "policies": selectors.sla_policy_versions(organization=self.organization),
            "team_queues": selectors.team_queues(organization=self.organization),
        }


class PolicyFormView(OrgObjectFormView):
    permission = Perm.ALERTS_MANAGE
    template_name = "sla/policy_form.html"
    form_class = SlaPolicyForm
    model = SlaPolicy
    object_kwarg = "policy_id"
    context_object_name = "policy"

    def form_valid(self, form: SlaPolicyForm) -> HttpResponse:
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "first_response_hours": data["first_response_hours"],
            "resolution_hours": data["resolution_hours"],
            "business_hours": data["business_hours"],
            "warn_at": data["warn_at"],
            "escalate_to_manager_after_hours": data["escalate_to_manager_after_hours"],
        }
        try:
            if self.object is None:
                policy = services.sla_policy_create(
                    organization=self.organization, actor=self.membership, **fields
                )
            else:
                policy = services.sla_policy_update(policy=self.object, actor=self.membership, **fields)
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The SLA policy “%(name)s” is saved.") % {"name": str(policy)})
        return redirect("sla:policy_list", org_slug=self.organization.slug)


class CalendarListView(OrgViewMixin, TemplateView):
    permission = Perm.ALERTS_MANAGE
    template_name = "sla/calendar_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        calendars = selectors.calendar_list(organization=self.organization).prefetch_related("holidays")
        return {**super().get_context_data(**kwargs), "calendars": calendars}


class CalendarFormView(OrgObjectFormView):
    permission = Perm.ALERTS_MANAGE
    template_name = "sla/calendar_form.html"
    form_class = BusinessCalendarForm
    model = BusinessCalendar
    object_kwarg = "calendar_id"
    context_object_name = "calendar"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.object is not None:
            context["holidays"] = selectors.holiday_list(calendar=self.object)
            context.setdefault("holiday_form", HolidayForm(prefix=HOLIDAY_PREFIX))
        return context

    def form_valid(self, form: BusinessCalendarForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            calendar = services.business_calendar_save(
                organization=self.organization,
                actor=self.membership,
                name=data["name"],
                timezone=data["timezone"],
                hours=data["hours"],
                calendar=self.object,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The calendar “%(name)s” is saved.") % {"name": calendar.name})
        if self.object is None:
            return redirect("sla:calendar_edit", org_slug=self.organization.slug, calendar_id=calendar.pk)
        return redirect("sla:calendar_list", org_slug=self.organization.slug)


class HolidayAddView(CalendarFormView):
    """POST a holiday; errors re-render the calendar page with the holiday form's errors."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        calendar: BusinessCalendar = self.object
        holiday_form = HolidayForm(request.POST, prefix=HOLIDAY_PREFIX)
        if holiday_form.is_valid():
            try:
                services.holiday_add(
                    calendar=calendar,
                    actor=self.membership,
                    day=holiday_form.cleaned_data["date"],
                    name=holiday_form.cleaned_data["name"],
                )
            except ValidationError as exc:
                add_service_error(holiday_form, exc)
            else:
                messages.success(request, _("The holiday is added."))
                return redirect("sla:calendar_edit", org_slug=self.organization.slug, calendar_id=calendar.pk)
        form = self.get_form_class()(
            initial=BusinessCalendarForm.initial_for(calendar), organization=self.organization
        )
        context = self.get_context_data(form=form, holiday_form=holiday_form)
        return self.render_to_response(context, status=400)


class HolidayRemoveView(OrgActionView):
    permission = Perm.ALERTS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, calendar_id: int, holiday_id: int) -> HttpResponse:
        holiday = self.get_object(
            Holiday.objects.select_related("calendar__organization").filter(calendar_id=calendar_id),
            holiday_id,
        )
        services.holiday_remove(holiday=holiday, actor=self.membership)
        messages.success(request, _("The holiday is removed."))
        return redirect("sla:calendar_edit", org_slug=org_slug, calendar_id=calendar_id)


class TeamQueueFormView(OrgObjectFormView):
    permission = Perm.ALERTS_MANAGE
    template_name = "sla/team_queue_form.html"
    form_class = TeamQueueForm
    model = Team
    object_kwarg = "team_id"
    context_object_name = "team"

    def setup_object(self) -> None:
        self.object = get_object_or_404(
            Team.objects.select_related("organization"), pk=self.kwargs["team_id"]
        )
        self.queue: TeamQueue | None = TeamQueue.objects.filter(team=self.object).first()

    def get_initial(self) -> dict[str, Any]:
        return TeamQueueForm.initial_for(self.queue)

    def form_valid(self, form: TeamQueueForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.team_queue_update(
                organization=self.organization,
                actor=self.membership,
                team=self.object,
                assignment=data["assignment"],
                calendar=data["calendar"],
                sla_policy_key=data["sla_policy_key"],
                escalation_manager=data["escalation_manager"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The queue of “%(name)s” is saved.") % {"name": self.object.name})
        return redirect("sla:policy_list", org_slug=self.organization.slug)
