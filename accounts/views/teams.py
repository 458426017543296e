"""Teams: list, create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView

from accounts.forms import (
    TeamForm,
    add_service_error,
)
from accounts.models import (
    Membership,
    Team,
)
from accounts.roles import Perm
from accounts.selectors import team_list
from accounts.services import (
    team_delete,
    team_save,
)
from accounts.views.common import PAGE_SIZE
from core.views import OrgActionView, OrgObjectFormView, OrgViewMixin

# --- teams -------------------------------------------------------------------------------------------


class TeamListView(OrgViewMixin, ListView[Team]):
    permission = Perm.SURVEYS_VIEW
    template_name = "accounts/team_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "teams"

    def get_queryset(self) -> QuerySet[Team]:
        people = Membership.all_orgs.select_related("user").order_by("user__email")
        return team_list(organization=self.organization).prefetch_related(
            Prefetch("members", queryset=people)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "can_manage": self.can(Perm.TEAMS_MANAGE)}


class TeamFormView(OrgObjectFormView):
    permission = Perm.TEAMS_MANAGE
    template_name = "accounts/team_form.html"
    form_class = TeamForm
    model = Team
    object_kwarg = "team_id"
    context_object_name = "team"

    def form_valid(self, form: TeamForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            team = team_save(
                organization=self.organization,
                actor=self.membership,
                name=data["name"],
                description=data["description"],
                lead_id=data["lead"].pk if data["lead"] is not None else None,
                member_ids=[m.pk for m in data["members"]],
                team=self.object,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The team “%(name)s” is saved.") % {"name": team.name})
        return redirect("accounts:team_list", org_slug=self.organization.slug)


class TeamDeleteView(OrgActionView):
    permission = Perm.TEAMS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, team_id: int) -> HttpResponse:
        team = self.get_object(Team.objects.select_related("organization"), team_id)
        name = team.name
        team_delete(team=team, actor=self.membership)
        messages.success(request, _("The team “%(name)s” is deleted.") % {"name": name})
        return redirect("accounts:team_list", org_slug=org_slug)
