"""Pages about the signed-in person: home, new organisation, switching, preferences, language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView, View

from accounts.forms import (
    OrganizationCreateForm,
    PreferencesForm,
    add_service_error,
)
from accounts.models import Organization
from accounts.selectors import memberships_of_user
from accounts.services import (
    organization_create,
    user_set_language,
    user_switch_organization,
    user_update_preferences,
)
from accounts.views.common import _user

# --- the signed-in person ----------------------------------------------------------------------------


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
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your organisation is ready."))
        return redirect("org_home", org_slug=organization.slug)


class OrganizationSwitchView(LoginRequiredMixin, View):
    http_method_names = ["post"]

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
        try:
            user = user_update_preferences(
                user=_user(self.request),
                name=form.cleaned_data["name"],
                language=form.cleaned_data["language"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        translation.activate(user.language)
        messages.success(self.request, _("Your preferences are saved."))
        return _with_language_cookie(redirect("user_preferences"), user.language)


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response


class LanguageSetView(View):
    """The language switcher: a cookie for everyone, and remembered on the account when signed in."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES):
            return HttpResponseBadRequest(_("This language is not available."))
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("home")
        if request.user.is_authenticated:
            user_set_language(user=_user(request), language=language)
        translation.activate(language)
        return _with_language_cookie(HttpResponseRedirect(next_url), language)
