from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from accounts.roles import Perm
from accounts.selectors import access_scope_for
from core.views import OrgViewMixin
from dashboards.selectors import overview


class OrgHomeView(OrgViewMixin, TemplateView):
    """The organisation's landing page: the headline numbers of the last 30 days and the latest comments."""

    permission = Perm.DASHBOARDS_VIEW
    template_name = "dashboards/org_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = access_scope_for(membership=self.membership)
        context["overview"] = overview(organization=self.organization, scope=scope)
        context["restricted"] = not scope.unrestricted
        return context
