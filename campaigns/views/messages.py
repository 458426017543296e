"""The message editor of a campaign: one text per language and kind (invitation, reminder), with a live
preview of what a sample contact gets.

The preview is rendered by the sending engine's ``campaign_preview`` from the text being typed (htmx
posts the form to the preview URL as the member types; without JavaScript, "Preview" does the same with
a full page). The email's HTML is shown in a sandboxed ``<iframe srcdoc>``: no scripts, no same-origin
access, links inert; the email HTML itself uses no inline styles, so our strict CSP holds inside it too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.forms import add_service_error
from accounts.roles import Perm
from campaigns.forms import CampaignMessageForm
from campaigns.models import Campaign, CampaignChannel, MessageKind
from campaigns.selectors import campaign_languages, campaign_message_get, campaign_messages
from campaigns.services.editing import (
    EDITABLE,
    campaign_message_delete,
    campaign_message_preview,
    campaign_message_save,
)
from campaigns.views.pages import CampaignMixin
from core.views import OrgActionView

SMS_SEGMENT = 160


def preview_context(
    campaign: Campaign, *, kind: str, language: str, subject: str, body: str
) -> dict[str, Any]:
    try:
        rendered = campaign_message_preview(
            campaign=campaign, kind=kind, language=language, subject=subject, body=body
        )
    except ValidationError as exc:
        return {"preview": None, "preview_error": " ".join(exc.messages)}
    length = len(rendered.text)
    return {
        "preview": rendered,
        "preview_error": "",
        "is_sms": campaign.channel == CampaignChannel.SMS,
        "sms_length": length,
        "sms_parts": max(1, -(-length // SMS_SEGMENT)),
    }


class CampaignMessagesView(CampaignMixin, TemplateView):
    """GET: the editor for ``?language=&kind=``; POST: save that text (or preview it, without JS)."""

    permission = Perm.SURVEYS_EDIT
    template_name = "campaigns/messages.html"

    def selection(self, data: Any) -> tuple[str, str]:
        languages = campaign_languages(self.campaign)
        language = data.get("language", "")
        kind = data.get("kind", "")
        return (
            language if language in languages else languages[0],
            kind if kind in MessageKind.values else MessageKind.INVITATION,
        )

    def make_form(self, data: Any = None, *, language: str, kind: str) -> CampaignMessageForm:
        campaign = self.campaign
        initial: dict[str, Any] = {"language": language, "kind": kind}
        saved = campaign_message_get(
            organization=self.organization, campaign=campaign, kind=kind, language=language
        )
        if saved is not None:
            initial.update(subject=saved.subject, body=saved.body)
        return CampaignMessageForm(
            data, initial=initial, channel=campaign.channel, languages=campaign_languages(campaign)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign = self.campaign
        language, kind = kwargs.pop("selected", None) or self.selection(self.request.GET)
        form = kwargs.pop("form", None) or self.make_form(language=language, kind=kind)
        written = {
            (m.kind, m.language) for m in campaign_messages(organization=self.organization, campaign=campaign)
        }
        names = dict(settings.LANGUAGES)
        base_url = reverse(
            "campaigns:campaign_messages",
            kwargs={"org_slug": self.organization.slug, "campaign_id": campaign.pk},
        )
        tabs = [
            {
                "kind": k,
                "kind_label": MessageKind(k).label,
                "language": code,
                "language_label": names.get(code, code),
                "written": (k, code) in written,
                "current": (k, code) == (kind, language),
                "url": f"{base_url}?{urlencode({'language': code, 'kind': k})}",
            }
            for k in MessageKind.values
            for code in campaign_languages(campaign)
        ]
        values = form.data if form.is_bound else form.initial
        preview = kwargs.pop("preview_values", None) or {
            "subject": str(values.get("subject", "") or ""),
            "body": str(values.get("body", "") or ""),
        }
        return super().get_context_data(
            campaign=campaign,
            form=form,
            tabs=tabs,
            language=language,
            language_label=names.get(language, language),
            kind=kind,
            kind_label=MessageKind(kind).label,
            is_written=(kind, language) in written,
            editable=campaign.status in EDITABLE,
            **preview_context(campaign, kind=kind, language=language, **preview),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = self.campaign
        language, kind = self.selection(request.POST)
        form = self.make_form(request.POST, language=language, kind=kind)
        if campaign.status not in EDITABLE:
            messages.error(request, _("This campaign can no longer be changed."))
            return self.to_campaign()
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(form=form, selected=(language, kind)), status=400
            )
        if "preview" in request.POST:
            return self.render_to_response(self.get_context_data(form=form, selected=(language, kind)))
        try:
            campaign_message_save(
                campaign=campaign,
                actor=self.membership,
                kind=kind,
                language=language,
                subject=form.cleaned_data.get("subject", ""),
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.render_to_response(
                self.get_context_data(form=form, selected=(language, kind)), status=400
            )
        messages.success(request, _("The text is saved."))
        url = reverse(
            "campaigns:campaign_messages",
            kwargs={"org_slug": self.organization.slug, "campaign_id": campaign.pk},
        )
        return redirect(f"{url}?{urlencode({'language': language, 'kind': kind})}")


class CampaignMessagePreviewView(CampaignMixin, TemplateView):
    """POST (htmx, as the member types): the preview fragment for the text in the form, unsaved."""

    permission = Perm.SURVEYS_EDIT
    template_name = "campaigns/_preview.html"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = self.campaign
        languages = campaign_languages(campaign)
        language = request.POST.get("language", "")
        kind = request.POST.get("kind", "")
        if language not in languages or kind not in MessageKind.values:
            return TemplateResponse(
                request,
                self.template_name,
                {"preview": None, "preview_error": _("Choose one of the survey's languages.")},
                status=400,
            )
        context = preview_context(
            campaign,
            kind=kind,
            language=language,
            subject=request.POST.get("subject", "")[:1000],
            body=request.POST.get("body", "")[:50_000],
        )
        return TemplateResponse(request, self.template_name, {"campaign": campaign, **context})


class CampaignMessageDeleteView(CampaignMixin, OrgActionView):
    """POST: remove one language's text (the base language's or our default text is sent instead)."""

    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = self.campaign
        language, kind = request.POST.get("language", ""), request.POST.get("kind", "")
        try:
            deleted = campaign_message_delete(
                campaign=campaign, actor=self.membership, kind=kind, language=language
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.to_campaign()
        if deleted:
            messages.success(request, _("The text is removed."))
        url = reverse(
            "campaigns:campaign_messages",
            kwargs={"org_slug": self.organization.slug, "campaign_id": campaign.pk},
        )
        return redirect(url)
