from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View

from accounts.forms import OrganizationCreateForm, PreferencesForm
from accounts.models import Membership, Organization, User
from accounts.roles import Perm
from accounts.selectors import member_list, memberships_of_user
from accounts.services import organization_create, user_switch_organization, user_update_preferences
from core.views import OrgViewMixin


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class HomeView(LoginRequiredMixin, View):
    """Sends the user to the organisation they used last, or to create their first one."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        memberships = list(memberships_of_user(user=user))
        if not memberships:
            return redirect("organization_create")
        chosen = next(
            (m for m in memberships if m.organization_id == user.last_organization_id), memberships[0]
        )
        return redirect("org_home", org_slug=chosen.organization.slug)


class OrganizationCreateView(LoginRequiredMixin, FormView[OrganizationCreateForm]):
    template_name = "accounts/organization_create.html"
    form_class = OrganizationCreateForm

    def form_valid(self, form: OrganizationCreateForm) -> HttpResponse:
        try:
            organization = organization_create(name=form.cleaned_data["name"], owner=_user(self.request))
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your organisation is ready."))
        return redirect("org_home", org_slug=organization.slug)


class OrganizationSwitchView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        slug = request.POST.get("organization", "")
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise Http404
        try:
            user_switch_organization(user=_user(request), organization=organization)
        except ValidationError:
            raise Http404 from None
        return redirect("org_home", org_slug=organization.slug)


class PreferencesView(LoginRequiredMixin, FormView[PreferencesForm]):
    template_name = "accounts/preferences.html"
    form_class = PreferencesForm

    def get_initial(self) -> dict[str, Any]:
        user = _user(self.request)
        return {"name": user.name, "language": user.language, "timezone": user.timezone}

    def form_valid(self, form: PreferencesForm) -> HttpResponse:
        user = user_update_preferences(
            user=_user(self.request),
            name=form.cleaned_data["name"],
            language=form.cleaned_data["language"],
            timezone_name=form.cleaned_data["timezone"],
        )
        translation.activate(user.language)
        messages.success(self.request, _("Your preferences are saved."))
        response = redirect("user_preferences")
        response.set_cookie("django_language", user.language, samesite="Lax", max_age=365 * 24 * 3600)
        return response


class MemberListView(OrgViewMixin, ListView[Membership]):
    permission = Perm.SURVEYS_VIEW
    template_name = "accounts/member_list.html"

    def get_queryset(self) -> Any:
        return member_list(organization=self.organization)
