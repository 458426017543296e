"""Campaign pages under ``/o/<org_slug>/campaigns/``: the list, create and edit, the report, schedule,
cancel, and the organisation's fatigue rules.

Reading campaigns and their reports needs Perm.RESPONSES_VIEW; everything that changes them (and the
fatigue rules) needs Perm.SURVEYS_EDIT. A campaign whose survey is outside the member's access groups
reads as missing (404), like another organisation's.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.forms import add_service_error
from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from campaigns.forms import CampaignForm, FatiguePolicyForm, ScheduleForm
from campaigns.models import Campaign, CampaignChannel, SkipReason
from campaigns.selectors import (
    campaign_audience_size,
    campaign_get,
    campaign_list,
    campaign_report,
    campaign_skipped,
    campaign_survey_choices,
    fatigue_policy_get,
)
from campaigns.services.editing import (
    CANCELLABLE,
    EDITABLE,
    campaign_cancel,
    campaign_create,
    campaign_schedule,
    campaign_update,
    fatigue_policy_update,
)
from contacts.suppression import mask
from core.views import OrgActionView, OrgViewMixin

SKIPPED_PER_PAGE = 50


class CampaignMixin(OrgViewMixin):
    kwargs: dict[str, Any]

    @cached_property
    def scope(self) -> AccessScope:
        return access_scope_for(membership=self.membership)

    @cached_property
    def campaign(self) -> Campaign:
        try:
            return campaign_get(
                organization=self.organization, campaign_id=self.kwargs["campaign_id"], scope=self.scope
            )
        except Campaign.DoesNotExist:
            raise Http404 from None

    def to_campaign(self) -> HttpResponse:
        return redirect(
            "campaigns:campaign_detail", org_slug=self.organization.slug, campaign_id=self.campaign.pk
        )


class CampaignListView(CampaignMixin, ListView[Campaign]):
    permission = Perm.RESPONSES_VIEW
    template_name = "campaigns/list.html"
    context_object_name = "campaigns"
    paginate_by = 50

    def get_queryset(self) -> Any:
        return campaign_list(organization=self.organization, scope=self.scope)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_edit=self.can(Perm.SURVEYS_EDIT), **kwargs)


class CampaignFormView(CampaignMixin, FormView[CampaignForm]):
    """Create (no ``campaign_id``) or edit a draft or scheduled campaign."""

    permission = Perm.SURVEYS_EDIT
    template_name = "campaigns/form.html"
    form_class = CampaignForm

    @property
    def editing(self) -> Campaign | None:
        return self.campaign if "campaign_id" in self.kwargs else None

    def dispatch_checked(self) -> HttpResponse | None:
        if self.editing is not None and self.editing.status not in EDITABLE:
            messages.error(self.request, _("This campaign can no longer be changed."))
            return self.to_campaign()
        return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.dispatch_checked() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.dispatch_checked() or super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "organization": self.organization,
            "surveys": campaign_survey_choices(organization=self.organization, scope=self.scope),
        }

    def get_initial(self) -> dict[str, Any]:
        if self.editing is not None:
            return CampaignForm.initial_for(self.editing)
        initial: dict[str, Any] = {"channel": CampaignChannel.EMAIL}
        survey = self.request.GET.get("survey", "")
        if survey.isdigit():
            initial["survey"] = int(survey)
        return initial

    def form_valid(self, form: CampaignForm) -> HttpResponse:
        try:
            if self.editing is None:
                campaign = campaign_create(
                    organization=self.organization, actor=self.membership, data=form.to_input()
                )
                messages.success(self.request, _("The campaign is created. Now write its messages."))
                return redirect(
                    "campaigns:campaign_messages", org_slug=self.organization.slug, campaign_id=campaign.pk
                )
            campaign = campaign_update(campaign=self.editing, actor=self.membership, data=form.to_input())
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("The campaign is saved."))
        return redirect("campaigns:campaign_detail", org_slug=self.organization.slug, campaign_id=campaign.pk)

    def form_invalid(self, form: CampaignForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(campaign=self.editing, **kwargs)


class CampaignDetailView(CampaignMixin, TemplateView):
    """The campaign and its report: the funnel, what went wrong, who was skipped and why."""

    permission = Perm.RESPONSES_VIEW
    template_name = "campaigns/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign = self.campaign
        reason = self.request.GET.get("reason", "")
        if reason not in SkipReason.values:
            reason = ""
        skipped = campaign_skipped(organization=self.organization, campaign=campaign, reason=reason)
        page = Paginator(skipped, SKIPPED_PER_PAGE).get_page(self.request.GET.get("page"))
        rows = [
            {
                "contact": invitation.contact,
                "address": mask(invitation.channel, invitation.address) if invitation.address else "",
                "reason": invitation.get_skip_reason_display() or "—",
            }
            for invitation in page.object_list
        ]
        can_edit = self.can(Perm.SURVEYS_EDIT)
        return super().get_context_data(
            campaign=campaign,
            report=campaign_report(organization=self.organization, campaign=campaign),
            skipped_page=page,
            skipped_rows=rows,
            reason=reason,
            reason_label=SkipReason(reason).label if reason else "",
            can_edit=can_edit and campaign.status in EDITABLE,
            can_cancel=can_edit and campaign.status in CANCELLABLE,
            **kwargs,
        )


class CampaignScheduleView(CampaignMixin, FormView[ScheduleForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "campaigns/schedule.html"
    form_class = ScheduleForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.campaign.status not in EDITABLE:
            messages.error(request, _("This campaign can no longer be scheduled."))
            return self.to_campaign()
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            audience = campaign_audience_size(self.campaign)
        except ValidationError:
            audience = None
        return super().get_context_data(campaign=self.campaign, audience_size=audience, **kwargs)

    def form_valid(self, form: ScheduleForm) -> HttpResponse:
        try:
            campaign = campaign_schedule(
                campaign=self.campaign, actor=self.membership, at=form.cleaned_data["at_datetime"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_error(form, exc)
            else:
                for message in exc.messages:
                    form.add_error(None, message)
            return self.form_invalid(form)
        if form.cleaned_data["at_datetime"] is None:
            messages.success(self.request, _("The campaign is sending now."))
        else:
            messages.success(self.request, _("The campaign is scheduled."))
        return redirect("campaigns:campaign_detail", org_slug=self.organization.slug, campaign_id=campaign.pk)

    def form_invalid(self, form: ScheduleForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CampaignCancelView(CampaignMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            skipped = campaign_cancel(campaign=self.campaign, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The campaign is cancelled. %(n)d invitations not yet sent were skipped.") % {"n": skipped},
            )
        return self.to_campaign()


class FatigueSettingsView(OrgViewMixin, FormView[FatiguePolicyForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "campaigns/fatigue.html"
    form_class = FatiguePolicyForm

    def get_initial(self) -> dict[str, Any]:
        return FatiguePolicyForm.initial_for(fatigue_policy_get(organization=self.organization))

    def form_valid(self, form: FatiguePolicyForm) -> HttpResponse:
        try:
            fatigue_policy_update(organization=self.organization, actor=self.membership, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("The fatigue rules are saved. They apply to every invitation sent from now on.")
        )
        return redirect("campaigns:fatigue_settings", org_slug=self.organization.slug)

    def form_invalid(self, form: FatiguePolicyForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)
