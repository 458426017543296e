"""Pages about organisations and people: settings, members, invitations, teams, access groups, keys,
the audit log, and the signed-in person's own preferences. Views parse input, call a service, render."""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, View

from accounts.emails import send_invitation_email
from accounts.forms import (
    AccessGroupForm,
    ApiKeyForm,
    InvitationForm,
    MemberAwayForm,
    MemberRoleForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
    PreferencesForm,
    TeamForm,
    add_service_error,
    assignable_role_choices,
)
from accounts.models import (
    AccessGroup,
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Team,
    User,
)
from accounts.roles import PERMISSION_LABELS, PERMISSIONS, Perm, Role
from accounts.selectors import (
    access_group_list,
    api_key_list,
    audit_event_list,
    invitation_list_pending,
    member_list,
    memberships_of_user,
    team_list,
)
from accounts.services import (
    INVITATION_TTL,
    InvitationError,
    IssuedInvitation,
    access_group_delete,
    access_group_save,
    api_key_create,
    api_key_revoke,
    invitation_accept,
    invitation_check,
    invitation_create,
    invitation_get_by_token,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    membership_set_away,
    organization_create,
    organization_update,
    team_delete,
    team_save,
    user_set_language,
    user_switch_organization,
    user_update_preferences,
)
from core.views import OrgViewMixin

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


class OrgActionView(OrgViewMixin, View):
    """A POST-only action on an organisation object: it answers with a redirect and a message."""

    http_method_names = ["post"]

    def get_object(self, queryset: QuerySet[M], pk: int) -> M:
        # ``queryset`` is the scoped default manager's: another organisation's id is a 404.
        return get_object_or_404(queryset, pk=pk)


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


# --- invitations (opened from the email, before any organisation is in context) -------------------


INVITATION_STATUS = {
    "invalid": 404,
    "revoked": 410,
    "used": 410,
    "expired": 410,
    "wrong_email": 403,
    "already_member": 409,
}


class InvitationAcceptView(View):
    """Anonymous visitors see who invited them and where; the invited person accepts with a POST."""

    template_name = "accounts/invitation_accept.html"

    def _page(
        self, request: HttpRequest, invitation: Invitation | None, error: InvitationError | None = None
    ) -> HttpResponse:
        context = {
            "invitation": invitation
            if error is None or error.code in {"wrong_email", "already_member"}
            else None,
            "error": " ".join(error.messages) if error is not None else "",
            "error_code": error.code if error is not None else "",
            "allow_signup": settings.ACCOUNT_ALLOW_REGISTRATION,
        }
        status = INVITATION_STATUS.get(error.code or "", 400) if error is not None else 200
        response = render(request, self.template_name, context, status=status)
        # The token is in the URL; do not let a shared cache keep the page.
        add_never_cache_headers(response)
        return response

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = invitation_get_by_token(token=token)
        user = _user(request) if request.user.is_authenticated else None
        try:
            invitation_check(invitation=invitation, user=user)
        except InvitationError as exc:
            return self._page(request, invitation, exc)
        return self._page(request, invitation)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = invitation_accept(token=token, user=_user(request))
        except InvitationError as exc:
            return self._page(request, invitation_get_by_token(token=token), exc)
        messages.success(
            request,
            _("Welcome to %(organization)s.") % {"organization": membership.organization.name},
        )
        return redirect("org_home", org_slug=membership.organization.slug)


# --- organisation settings ---------------------------------------------------------------------------


class OrgSettingsView(OrgViewMixin, FormView[OrganizationSettingsForm]):
    permission = Perm.ORG_MANAGE
    template_name = "accounts/org_settings.html"
    form_class = OrganizationSettingsForm

    def get_initial(self) -> dict[str, Any]:
        org = self.organization
        return {
            "name": org.name,
            "default_language": org.default_language,
            "timezone": org.timezone,
            "retention_days": org.retention_days,
        }

    def form_valid(self, form: OrganizationSettingsForm) -> HttpResponse:
        data = form.cleaned_data
        # A fresh copy: the service changes the instance before validating it, and the page header
        # must keep showing the saved name when the change is refused.
        organization = Organization.objects.get(pk=self.organization.pk)
        try:
            organization_update(
                organization=organization,
                actor=_user(self.request),
                name=data["name"],
                default_language=data["default_language"],
                timezone_name=data["timezone"],
                retention_days=data["retention_days"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The organisation settings are saved."))
        return redirect("accounts:org_settings", org_slug=organization.slug)


# --- members and invitations -------------------------------------------------------------------------


class MemberListView(OrgViewMixin, ListView[Membership]):
    permission = Perm.SURVEYS_VIEW
    template_name = "accounts/member_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "members"

    def get_queryset(self) -> QuerySet[Membership]:
        return member_list(organization=self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_manage = self.can(Perm.MEMBERS_MANAGE)
        context["can_manage"] = can_manage
        context["is_owner"] = self.membership.role == Role.OWNER
        if can_manage:
            context["role_choices"] = assignable_role_choices(self.membership.role)
            context["invitations"] = invitation_list_pending(organization=self.organization)
        return context


class MemberInviteView(OrgViewMixin, FormView[InvitationForm]):
    permission = Perm.MEMBERS_MANAGE
    template_name = "accounts/member_invite.html"
    form_class = InvitationForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "actor_role": self.membership.role}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitation_days"] = INVITATION_TTL.days
        context["roles"] = Role.choices
        context["permission_rows"] = [
            (PERMISSION_LABELS[perm], [role in allowed for role in Role])
            for perm, allowed in PERMISSIONS.items()
        ]
        return context

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        try:
            issued = invitation_create(
                organization=self.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=self.membership,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        _send_invitation(self.request, issued)
        return redirect("accounts:member_list", org_slug=self.organization.slug)


def _send_invitation(request: HttpRequest, issued: IssuedInvitation) -> None:
    email = issued.invitation.email
    try:
        send_invitation_email(issued=issued)
    except (smtplib.SMTPException, OSError):
        logger.exception("invitation email failed", extra={"invitation": issued.invitation.pk})
        messages.warning(
            request,
            _("The invitation for %(email)s is saved, but the email could not be sent. Try “Re-send” later.")
            % {"email": email},
        )
        return
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})


class InvitationResendView(OrgActionView):
    permission = Perm.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, invitation_id: int) -> HttpResponse:
        invitation = self.get_object(Invitation.objects.select_related("organization"), invitation_id)
        try:
            issued = invitation_resend(invitation=invitation, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
        else:
            _send_invitation(request, issued)
        return redirect("accounts:member_list", org_slug=org_slug)


class InvitationRevokeView(OrgActionView):
    permission = Perm.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, invitation_id: int) -> HttpResponse:
        invitation = self.get_object(Invitation.objects.select_related("organization"), invitation_id)
        try:
            invitation_revoke(invitation=invitation, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(
                request, _("The invitation for %(email)s is withdrawn.") % {"email": invitation.email}
            )
        return redirect("accounts:member_list", org_slug=org_slug)


def _members_queryset() -> QuerySet[Membership]:
    return Membership.objects.select_related("user", "organization")


class MemberRoleView(OrgActionView):
    permission = Perm.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
        member = self.get_object(_members_queryset(), membership_id)
        form = MemberRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a role from the list."))
            return redirect("accounts:member_list", org_slug=org_slug)
        try:
            membership_change_role(membership=member, role=form.cleaned_data["role"], actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": member.user.display_name, "role": member.get_role_display()},
            )
        return redirect("accounts:member_list", org_slug=org_slug)


class MemberAwayView(OrgActionView):
    permission = Perm.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
        member = self.get_object(_members_queryset(), membership_id)
        form = MemberAwayForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The request was not valid."))
            return redirect("accounts:member_list", org_slug=org_slug)
        is_away = form.cleaned_data["is_away"]
        membership_set_away(membership=member, is_away=is_away, actor=self.membership)
        text = _("%(person)s is marked away.") if is_away else _("%(person)s is marked back.")
        messages.success(request, text % {"person": member.user.display_name})
        return redirect("accounts:member_list", org_slug=org_slug)


class MemberRemoveView(OrgActionView):
    permission = Perm.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
        member = self.get_object(_members_queryset(), membership_id)
        person = member.user.display_name
        try:
            membership_remove(membership=member, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
            return redirect("accounts:member_list", org_slug=org_slug)
        if member.user_id == self.membership.user_id:
            messages.success(
                request, _("You left %(organization)s.") % {"organization": self.organization.name}
            )
            return redirect("home")
        messages.success(request, _("%(person)s is removed from the organisation.") % {"person": person})
        return redirect("accounts:member_list", org_slug=org_slug)


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


class TeamFormView(OrgViewMixin, FormView[TeamForm]):
    permission = Perm.TEAMS_MANAGE
    template_name = "accounts/team_form.html"
    form_class = TeamForm
    team: Team | None = None

    def setup_object(self) -> None:
        team_id = self.kwargs.get("team_id")
        if team_id is not None:
            self.team = get_object_or_404(Team.objects.select_related("organization"), pk=team_id)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization}

    def get_initial(self) -> dict[str, Any]:
        return TeamForm.initial_for(self.team) if self.team is not None else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "team": self.team}

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
                team=self.team,
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


# --- access groups -----------------------------------------------------------------------------------


class AccessGroupListView(OrgViewMixin, ListView[AccessGroup]):
    permission = Perm.ACCESS_GROUPS_MANAGE
    template_name = "accounts/access_group_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "groups"

    def get_queryset(self) -> QuerySet[AccessGroup]:
        return access_group_list(organization=self.organization)


class AccessGroupFormView(OrgViewMixin, FormView[AccessGroupForm]):
    permission = Perm.ACCESS_GROUPS_MANAGE
    template_name = "accounts/access_group_form.html"
    form_class = AccessGroupForm
    group: AccessGroup | None = None

    def setup_object(self) -> None:
        group_id = self.kwargs.get("group_id")
        if group_id is not None:
            self.group = get_object_or_404(AccessGroup.objects.select_related("organization"), pk=group_id)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization}

    def get_initial(self) -> dict[str, Any]:
        return AccessGroupForm.initial_for(self.group) if self.group is not None else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "group": self.group}

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
                group=self.group,
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


# --- API keys ----------------------------------------------------------------------------------------


class ApiKeyListView(OrgViewMixin, ListView[ApiKey]):
    permission = Perm.API_KEYS_MANAGE
    template_name = "accounts/api_key_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "keys"

    def get_queryset(self) -> QuerySet[ApiKey]:
        return api_key_list(organization=self.organization)


class ApiKeyCreateView(OrgViewMixin, FormView[ApiKeyForm]):
    permission = Perm.API_KEYS_MANAGE
    template_name = "accounts/api_key_form.html"
    form_class = ApiKeyForm

    def form_valid(self, form: ApiKeyForm) -> HttpResponse:
        try:
            issued = api_key_create(
                organization=self.organization,
                actor=self.membership,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        # The secret is rendered into this one response only: never a redirect, the session or a message.
        response = TemplateResponse(
            self.request,
            "accounts/api_key_created.html",
            self.get_context_data(form=form, key=issued.key, secret=issued.secret),
        )
        add_never_cache_headers(response)
        return response


class ApiKeyRevokeView(OrgActionView):
    permission = Perm.API_KEYS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, key_id: int) -> HttpResponse:
        key = self.get_object(ApiKey.objects.select_related("organization"), key_id)
        try:
            api_key_revoke(key=key, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
        return redirect("accounts:api_key_list", org_slug=org_slug)


# --- audit log ---------------------------------------------------------------------------------------


AUDIT_ACTIONS: dict[str, str | Promise] = {
    "organization.created": gettext_lazy("Organisation created"),
    "organization.updated": gettext_lazy("Organisation settings changed"),
    "member.role_changed": gettext_lazy("Member role changed"),
    "member.away_changed": gettext_lazy("Member away status changed"),
    "member.removed": gettext_lazy("Member removed"),
    "invitation.created": gettext_lazy("Invitation sent"),
    "invitation.accepted": gettext_lazy("Invitation accepted"),
    "invitation.revoked": gettext_lazy("Invitation withdrawn"),
    "team.created": gettext_lazy("Team created"),
    "team.updated": gettext_lazy("Team changed"),
    "team.deleted": gettext_lazy("Team deleted"),
    "access_group.created": gettext_lazy("Access group created"),
    "access_group.updated": gettext_lazy("Access group changed"),
    "access_group.deleted": gettext_lazy("Access group deleted"),
    "api_key.created": gettext_lazy("API key created"),
    "api_key.revoked": gettext_lazy("API key revoked"),
    "site.created": gettext_lazy("Website added"),
    "site.updated": gettext_lazy("Website changed"),
    "site.key_rotated": gettext_lazy("Website key rotated"),
    "site.revoked": gettext_lazy("Website key revoked"),
}


@dataclass(frozen=True)
class AuditChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    action_label: str | Promise
    changes: list[AuditChange]


def _as_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def audit_row(event: AuditEvent) -> AuditRow:
    before, after = _as_dict(event.before), _as_dict(event.after)
    changes = [
        AuditChange(str(key), _as_text(before.get(key)), _as_text(after.get(key)))
        for key in sorted(set(before) | set(after), key=str)
    ]
    return AuditRow(event, AUDIT_ACTIONS.get(event.action, event.action), changes)


class AuditLogView(OrgViewMixin, ListView[AuditEvent]):
    permission = Perm.AUDIT_VIEW
    template_name = "accounts/audit_log.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_event_list(organization=self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = [audit_row(event) for event in context["object_list"]]
        return context
