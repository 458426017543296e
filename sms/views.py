"""The message log: every text sent or received for the organisation, with its delivery status."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import ListView

from accounts.roles import Perm
from core.views import OrgViewMixin
from sms.models import SmsMessage, SmsStatus
from sms.selectors import sms_message_list


class MessageListView(OrgViewMixin, ListView[SmsMessage]):
    permission = Perm.RESPONSES_VIEW
    template_name = "sms/message_list.html"
    paginate_by = 50
    context_object_name = "sms_messages"

    def status_filter(self) -> str:
        status = self.request.GET.get("status", "")
        return status if status in SmsStatus.values else ""

    def get_queryset(self) -> QuerySet[SmsMessage]:
        return sms_message_list(organization=self.organization, status=self.status_filter())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["status_choices"] = SmsStatus.choices
        context["status"] = self.status_filter()
        return context
