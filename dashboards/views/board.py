"""The board dashboard: the page, its PDF report, share links (and the public page behind them) and the
weekly digest opt-in. Every number comes from ``dashboards.board.context.board_context``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from core.tenancy import organization_context
from core.views import OrgActionView, OrgViewMixin
from dashboards.board.context import BoardContext, board_context, parse_period
from dashboards.board.forms import BoardShareForm, DigestForm
from dashboards.board.pdf import render_board_pdf, report_filename
from dashboards.board.selectors import board_share_get_active, board_share_list, digest_subscription_of
from dashboards.board.services import (
    board_share_create,
    board_share_revoke,
    board_share_touch,
    digest_subscription_set,
)
from dashboards.models import BoardShare


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _pdf_response(board: BoardContext, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(render_board_pdf(board=board, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(board)}"'
    return response


class BoardView(OrgViewMixin, TemplateView):
    permission = Perm.DASHBOARDS_VIEW
    template_name = "dashboards/board/page.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = access_scope_for(membership=self.membership)
        board = board_context(
            organization=self.organization,
            scope=scope,
            period_days=parse_period(self.request.GET.get("period")),
        )
        context.update(
            board=board,
            restricted=not scope.unrestricted,
            can_share=self.can(Perm.DASHBOARDS_EDIT),
            pdf_url=reverse("dashboards:board_pdf", kwargs={"org_slug": self.organization.slug}),
        )
        return context


class BoardPdfView(OrgViewMixin, View):
    permission = Perm.DASHBOARDS_VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        board = board_context(
            organization=self.organization,
            scope=access_scope_for(membership=self.membership),
            period_days=parse_period(request.GET.get("period")),
        )
        return _pdf_response(board, request)


class BoardSharesView(OrgViewMixin, FormView[BoardShareForm]):
    """The board's share links: list, and create one (its token is shown in that response only)."""

    permission = Perm.DASHBOARDS_EDIT
    template_name = "dashboards/board/shares.html"
    form_class = BoardShareForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["shares"] = board_share_list(organization=self.organization)
        return context

    def form_valid(self, form: BoardShareForm) -> HttpResponse:
        try:
            issued = board_share_create(actor=self.membership, label=form.cleaned_data["label"])
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
            return self.form_invalid(form)
        link = self.request.build_absolute_uri(reverse("board_public:board", kwargs={"token": issued.token}))
        # The token is rendered into this one response only: never a redirect, the session or a message.
        response = TemplateResponse(
            self.request,
            "dashboards/board/share_created.html",
            self.get_context_data(form=BoardShareForm(), share=issued.share, link=link),
        )
        add_never_cache_headers(response)
        return response


class BoardShareRevokeView(OrgActionView):
    permission = Perm.DASHBOARDS_EDIT

    def post(self, request: HttpRequest, org_slug: str, share_id: int) -> HttpResponse:
        share = self.get_object(BoardShare.objects.select_related("organization"), share_id)
        try:
            board_share_revoke(share=share, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The link is revoked: it no longer opens the board."))
        return redirect("dashboards:board_shares", org_slug=org_slug)


class DigestSettingsView(OrgViewMixin, FormView[DigestForm]):
    """Any member opts themselves in or out of the weekly digest."""

    permission = Perm.DASHBOARDS_VIEW
    template_name = "dashboards/board/digest.html"
    form_class = DigestForm

    def get_initial(self) -> dict[str, Any]:
        subscription = digest_subscription_of(membership=self.membership)
        return {"weekly": bool(subscription and subscription.weekly)}

    def form_valid(self, form: DigestForm) -> HttpResponse:
        weekly = form.cleaned_data["weekly"]
        digest_subscription_set(membership=self.membership, weekly=weekly)
        if weekly:
            messages.success(self.request, _("You will get the digest every Monday morning."))
        else:
            messages.success(self.request, _("You will no longer get the weekly digest."))
        return redirect("dashboards:digest_settings", org_slug=self.organization.slug)


# --- the share link: no login ----------------------------------------------------------------------


class PublicBoardMixin:
    """Resolves the share token (404 when unknown or revoked) and sets the headers of a public page."""

    def share_or_404(self, token: str) -> BoardShare:
        share = board_share_get_active(token=token)
        if share is None:
            raise Http404
        return share

    @staticmethod
    def protect(response: HttpResponse) -> HttpResponse:
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        add_never_cache_headers(response)
        return response


class PublicBoardView(PublicBoardMixin, View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        share = self.share_or_404(token)
        organization = share.organization
        with organization_context(organization):
            board = board_context(
                organization=organization,
                scope=AccessScope(unrestricted=True),
                period_days=parse_period(request.GET.get("period")),
            )
            board_share_touch(share=share)
            response = TemplateResponse(
                request,
                "dashboards/board/public.html",
                {
                    "board": board,
                    "share_organization": organization,
                    "pdf_url": reverse("board_public:board_pdf", kwargs={"token": token}),
                },
            ).render()
        return self.protect(response)


class PublicBoardPdfView(PublicBoardMixin, View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        share = self.share_or_404(token)
        organization = share.organization
        with organization_context(organization):
            board = board_context(
                organization=organization,
                scope=AccessScope(unrestricted=True),
                period_days=parse_period(request.GET.get("period")),
            )
            board_share_touch(share=share)
            response = _pdf_response(board, request)
        return self.protect(response)
