from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from accounts.roles import Perm
from core.views import OrgViewMixin


class OrgHomeView(OrgViewMixin, TemplateView):
    """The organisation's landing page."""

    permission = Perm.DASHBOARDS_VIEW
    template_name = "dashboards/org_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs)
