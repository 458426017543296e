"""The ticket queue: filters, sort, saved views, selection and bulk actions."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from accounts.roles import Perm
from core.views import OrgActionView, OrgViewMixin
from tickets.forms import BulkForm, QueueFilterForm, SavedViewForm, bulk_action_choices
from tickets.models import SavedView
from tickets.selectors import TicketFilters, saved_view_list, ticket_list
from tickets.services.saved_views import FILTER_NAMES as FILTER_FIELDS
from tickets.services.saved_views import saved_view_create, saved_view_delete
from tickets.services.tickets import ticket_bulk
from tickets.views.common import queue_clock, team_choices, working_members

PAGE_SIZE = 50


def clean_query(raw: str) -> str:
    """Only the queue's own filter parameters survive, re-encoded: a saved view or a ``next`` value
    can never carry anything but filters."""
    source = QueryDict(raw)
    kept = QueryDict(mutable=True)
    for name in (*FILTER_FIELDS, "sort"):
        values = [v for v in source.getlist(name) if v]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def ticket_filters(values: dict[str, Any]) -> TicketFilters:
    team = values.get("team")
    return TicketFilters(
        status=list(values.get("status") or []),
        assignee=values.get("assignee") or "",
        team=int(team) if team and str(team).isdigit() else None,
        priority=list(values.get("priority") or []),
        sla=values.get("sla") or "",
        q=values.get("q") or "",
        sort=values.get("sort") or "deadline",
    )


def saved_view_query(view: SavedView) -> str:
    query = QueryDict(mutable=True)
    for name, values in (view.filters or {}).items():
        if name in FILTER_FIELDS:
            query.setlist(name, [str(v) for v in (values if isinstance(values, list) else [values])])
    if view.sort and view.sort != "deadline":
        query["sort"] = view.sort
    return clean_query(query.urlencode())


def bulk_groups() -> list[tuple[Any, list[tuple[str, Any]]]]:
    """The bulk action menu as (group label or None, options) for the template."""
    groups: list[tuple[Any, list[tuple[str, Any]]]] = []
    for value, label in bulk_action_choices(working_members(), team_choices()):
        if isinstance(label, list | tuple):
            groups.append((value, list(label)))
        else:
            groups.append((None, [(value, label)]))
    return groups


class QueueView(OrgViewMixin, TemplateView):
    permission = Perm.TICKETS_VIEW
    template_name = "tickets/queue.html"

    @cached_property
    def filter_form(self) -> QueueFilterForm:
        data = self.request.GET if any(n in self.request.GET for n in (*FILTER_FIELDS, "sort")) else None
        return QueueFilterForm(data, members=working_members(), teams=team_choices())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = ticket_filters(self.filter_form.values())
        tickets = ticket_list(organization=self.organization, membership=self.membership, filters=filters)
        page = Paginator(tickets, PAGE_SIZE).get_page(self.request.GET.get("page"))
        now = timezone.now()
        query = clean_query(self.request.GET.urlencode())
        views = [
            (view, saved_view_query(view))
            for view in saved_view_list(organization=self.organization, membership=self.membership)
        ]
        current_view = self.request.GET.get("view", "")
        context.update(
            filter_form=self.filter_form,
            filtered=bool(query),
            page=page,
            rows=[(ticket, queue_clock(ticket, now)) for ticket in page.object_list],
            query=query,
            saved_views=views,
            current_view=int(current_view) if current_view.isdigit() else None,
            saved_view_form=SavedViewForm(initial={"query": query}),
            bulk_actions=bulk_groups(),
            can_work=self.can(Perm.TICKETS_WORK),
            can_manage_settings=self.can(Perm.ALERTS_MANAGE),
            can_export=self.can(Perm.RESPONSES_EXPORT),
        )
        return context


class BulkActionView(OrgActionView):
    permission = Perm.TICKETS_WORK

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        ids = [int(v) for v in request.POST.getlist("ticket") if v.isdigit()]
        form = BulkForm(request.POST, members=working_members(), teams=team_choices(), ticket_ids=ids)
        target = reverse("tickets:queue", kwargs={"org_slug": org_slug})
        query = clean_query(request.POST.get("next", ""))
        if query:
            target = f"{target}?{query}"
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect(target)
        action, value = form.action_value()
        try:
            result = ticket_bulk(
                organization=self.organization,
                actor=self.membership,
                ticket_ids=form.cleaned_data["ticket"],
                action=action,
                value=value,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(target)
        if result.changed:
            messages.success(
                request,
                ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", result.changed)
                % {"n": result.changed},
            )
        if result.skipped:
            reasons = "; ".join(f"#{ticket_id}: {reason}" for ticket_id, reason in result.skipped)
            messages.warning(
                request,
                ngettext(
                    "%(n)d ticket skipped — %(reasons)s",
                    "%(n)d tickets skipped — %(reasons)s",
                    len(result.skipped),
                )
                % {"n": len(result.skipped), "reasons": reasons},
            )
        if not result.changed and not result.skipped:
            messages.info(request, _("Nothing to change."))
        return redirect(target)


class SavedViewCreateView(OrgActionView):
    permission = Perm.TICKETS_VIEW

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = SavedViewForm(request.POST)
        target = reverse("tickets:queue", kwargs={"org_slug": org_slug})
        if not form.is_valid():
            messages.error(request, _("Give the view a name (up to 120 characters)."))
            query = clean_query(request.POST.get("query", ""))
            return redirect(f"{target}?{query}" if query else target)
        params = QueryDict(clean_query(form.cleaned_data["query"]))
        view = saved_view_create(
            organization=self.organization,
            owner=self.membership,
            name=form.cleaned_data["name"],
            shared=form.cleaned_data["shared"],
            filters={name: params.getlist(name) for name in FILTER_FIELDS},
            sort=params.get("sort") or "deadline",
        )
        messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
        query = saved_view_query(view)
        return redirect(f"{target}?{query}&view={view.pk}" if query else f"{target}?view={view.pk}")


class SavedViewDeleteView(OrgActionView):
    permission = Perm.TICKETS_VIEW

    def post(self, request: HttpRequest, org_slug: str, view_id: int) -> HttpResponse:
        view = next(
            (
                v
                for v in saved_view_list(organization=self.organization, membership=self.membership)
                if v.pk == view_id
            ),
            None,
        )
        if view is None:
            raise Http404
        try:
            saved_view_delete(view=view, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
        return redirect("tickets:queue", org_slug=org_slug)
