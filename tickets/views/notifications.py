"""In-app notifications (the bell) and which of them a member also wants by email."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView

from accounts.roles import Perm
from core.views import OrgActionView, OrgViewMixin
from tickets.forms import NotificationPreferenceForm
from tickets.models import NotificationPreference
from tickets.selectors import notification_list
from tickets.services.notifications import notification_mark_read, notification_preference_update

PAGE_SIZE = 50


class NotificationListView(OrgViewMixin, TemplateView):
    permission = Perm.TICKETS_VIEW
    template_name = "tickets/notification_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notifications = notification_list(membership=self.membership)
        page = Paginator(notifications, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page=page, notifications=page.object_list)
        return context


class NotificationMarkReadView(OrgActionView):
    """Mark one (``notification`` in the form) or every unread notification read."""

    permission = Perm.TICKETS_VIEW

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        raw = request.POST.getlist("notification")
        ids = [int(v) for v in raw if v.isdigit()]
        if raw and not ids:
            messages.error(request, _("Nothing to mark as read."))
            return redirect("tickets:notification_list", org_slug=org_slug)
        count = notification_mark_read(membership=self.membership, notification_ids=ids or None)
        messages.success(
            request,
            ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", count)
            % {"n": count},
        )
        return redirect("tickets:notification_list", org_slug=org_slug)


class NotificationPreferencesView(OrgViewMixin, FormView[NotificationPreferenceForm]):
    permission = Perm.TICKETS_VIEW
    template_name = "tickets/notification_preferences.html"
    form_class = NotificationPreferenceForm

    def get_initial(self) -> dict[str, Any]:
        preference = NotificationPreference.objects.filter(membership=self.membership).first()
        if preference is None:
            return {"email_assigned": True, "email_customer_reply": True, "email_sla": True}
        return {
            "email_assigned": preference.email_assigned,
            "email_customer_reply": preference.email_customer_reply,
            "email_sla": preference.email_sla,
        }

    def form_valid(self, form: NotificationPreferenceForm) -> HttpResponse:
        notification_preference_update(membership=self.membership, **form.cleaned_data)
        messages.success(self.request, _("Your notification settings are saved."))
        return redirect("tickets:notification_preferences", org_slug=self.organization.slug)
