"""Members and their invitations: list, invite, re-send, withdraw, role, away, remove."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from accounts.emails import send_invitation_email
from accounts.forms import (
    InvitationForm,
    MemberAwayForm,
    MemberRoleForm,
    add_service_error,
    assignable_role_choices,
)
from accounts.models import (
    Invitation,
    Membership,
)
from accounts.roles import PERMISSION_LABELS, PERMISSIONS, Perm, Role
from accounts.selectors import (
    invitation_list_pending,
    member_list,
)
from accounts.services import (
    INVITATION_TTL,
    IssuedInvitation,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    membership_set_away,
)
from accounts.views.common import PAGE_SIZE, _error
from core.views import OrgActionView, OrgViewMixin

logger = logging.getLogger(__name__)


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
