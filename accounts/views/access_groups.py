"""Access groups: list, create, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView

from accounts.forms import (
    AccessGroupForm,
    add_service_error,
)
from accounts.models import AccessGroup
from accounts.roles import Perm
from accounts.selectors import access_group_list
from accounts.services import (
    access_group_delete,
    access_group_save,
)
from accounts.views.common import PAGE_SIZE
from core.views import OrgActionView, OrgObjectFormView, OrgViewMixin

# --- access groups -----------------------------------------------------------------------------------


class AccessGroupListView(OrgViewMixin, ListView[AccessGroup]):
    permission = Perm.ACCESS_GROUPS_MANAGE
    template_name = "accounts/access_group_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "groups"

    def get_queryset(self) -> QuerySet[AccessGroup]:
        return access_group_list(organization=self.organization)


class AccessGroupFormView(OrgObjectFormView):
    permission = Perm.ACCESS_GROUPS_MANAGE
    template_name = "accounts/access_group_form.html"
    form_class = AccessGroupForm
    model = AccessGroup
    object_kwarg = "group_id"
    context_object_name = "group"

    def form_valid(self, form: AccessGroupForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            group = access_group_save(
                organization=self.organization,
                actor=self.membership,
                name=data["name"],
                description=data["description"],
                member_ids=[m.pk for m in data["members"]],
                survey_ids=[s.pk for s in data["surveys"]],
                touchpoint_ids=[t.pk for t in data["touchpoints"]],
                team_ids=[t.pk for t in data["teams"]],
                group=self.object,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The access group “%(name)s” is saved.") % {"name": group.name})
        return redirect("accounts:access_group_list", org_slug=self.organization.slug)


class AccessGroupDeleteView(OrgActionView):
    permission = Perm.ACCESS_GROUPS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, group_id: int) -> HttpResponse:
        group = self.get_object(AccessGroup.objects.select_related("organization"), group_id)
        name = group.name
        access_group_delete(group=group, actor=self.membership)
        messages.success(request, _("The access group “%(name)s” is deleted.") % {"name": name})
        return redirect("accounts:access_group_list", org_slug=org_slug)
