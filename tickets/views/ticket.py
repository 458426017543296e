"""One ticket: its clocks, conversation, feedback, contact and history, and every action on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.forms import add_service_error
from accounts.roles import Perm
from accounts.selectors import access_scope_for
from core.views import OrgActionView, OrgViewMixin
from feedback.models import Response
from feedback.selectors import response_get
from feedback.views.responses import answer_rows
from tickets.forms import (
    AssignForm,
    CannedInsertForm,
    FollowupForm,
    MergeForm,
    MessageForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TeamForm,
)
from tickets.models import (
    CannedResponse,
    MessageKind,
    RootCause,
    Ticket,
    TicketStatus,
)
from tickets.selectors import (
    canned_list,
    contact_history,
    root_cause_choices,
    ticket_get,
    ticket_history,
    ticket_messages,
    ticket_responses,
)
from tickets.services.canned import canned_render
from tickets.services.followup import ticket_followup_send
from tickets.services.messages import ticket_add_note, ticket_log_contact, ticket_reply
from tickets.services.opening import ticket_open_for_response
from tickets.services.tickets import (
    ticket_assign,
    ticket_change_status,
    ticket_claim,
    ticket_merge,
    ticket_set_priority,
    ticket_set_team,
)
from tickets.sla.clocks import clock_states
from tickets.views.common import duration_text, followup_surveys, relative_due, team_choices, working_members
from tickets.views.history import event_text


@dataclass(frozen=True)
class ClockRow:
    label: str
    state: str
    text: str
    due_at: dt.datetime | None


def clock_rows(ticket: Ticket, now: dt.datetime) -> list[ClockRow]:
    rows = []
    for clock in clock_states(ticket, now):
        state = str(clock.state)
        due_at = getattr(clock, "due_at", None)
        if state == "running" and due_at is not None:
            text = relative_due(due_at, now)
            rows.append(ClockRow(str(clock.label), text.state, text.text, due_at))
        elif state == "paused":
            remaining = getattr(clock, "remaining_seconds", None)
            text_ = (
                _("paused, %(time)s left") % {"time": duration_text(remaining)}
                if remaining is not None and remaining > 0
                else _("paused")
            )
            rows.append(ClockRow(str(clock.label), "paused", text_, due_at))
        elif state == "met":
            rows.append(ClockRow(str(clock.label), "met", _("met"), due_at))
        elif state == "met_late":
            rows.append(ClockRow(str(clock.label), "overdue", _("met late"), due_at))
        elif state == "breached":
            late = relative_due(due_at, now).text if due_at is not None else _("breached")
            rows.append(ClockRow(str(clock.label), "overdue", late, due_at))
        else:
            rows.append(ClockRow(str(clock.label), state, state, due_at))
    return rows


class TicketPageMixin(OrgViewMixin):
    """Loads the ticket in the organisation and the member's scope: anything else is a 404."""

    def load_ticket(self, ticket_id: int) -> Ticket:
        return ticket_get(organization=self.organization, ticket_id=ticket_id, membership=self.membership)

    def action_forms(self, ticket: Ticket, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
        canned = canned_list(organization=self.organization)
        made: dict[str, Callable[[], forms.Form]] = {
            "status": lambda: StatusForm(
                initial={
                    "status": ticket.status,
                    "root_cause": ticket.root_cause_id,
                    "outcome": ticket.outcome,
                },
                root_causes=root_cause_choices(organization=self.organization),
                surveys=followup_surveys(),
                prefix="status",
            ),
            "priority": lambda: PriorityForm(initial={"priority": ticket.priority}, prefix="priority"),
            "assign": lambda: AssignForm(
                initial={"assignee": ticket.assignee_id}, members=working_members(), prefix="assign"
            ),
            "team": lambda: TeamForm(initial={"team": ticket.team_id}, teams=team_choices(), prefix="team"),
            "reply": lambda: ReplyForm(canned=canned, prefix="reply", label=_("Reply to the customer")),
            "note": lambda: MessageForm(prefix="note", label=_("Internal note")),
            "log": lambda: MessageForm(prefix="log", label=_("What was said (call, chat…)")),
            "merge": lambda: MergeForm(prefix="merge"),
            "followup": lambda: FollowupForm(surveys=followup_surveys(), prefix="followup"),
        }
        return {name: bound.get(name) or make() for name, make in made.items()}

    def page_context(self, ticket: Ticket, bound: dict[str, forms.Form] | None = None) -> dict[str, Any]:
        now = timezone.now()
        language = translation.get_language() or settings.LANGUAGE_CODE
        linked = list(ticket_responses(ticket=ticket).select_related("survey_version"))
        if not linked and ticket.response is not None:
            linked = [ticket.response]
        history = contact_history(organization=self.organization, contact=ticket.contact)
        return {
            "organization": self.organization,
            "membership": self.membership,
            "ticket": ticket,
            "clocks": clock_rows(ticket, now),
            "conversation": list(ticket_messages(ticket=ticket)),
            "feedback": [(response, answer_rows(response, language)) for response in linked],
            "contact_history": history,
            "events": [(event, event_text(event)) for event in ticket_history(ticket=ticket)],
            "forms": self.action_forms(ticket, bound or {}),
            "can_work": self.can(Perm.TICKETS_WORK),
            "is_done": ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED),
            "message_kinds": MessageKind,
        }


class TicketDetailView(TicketPageMixin, TemplateView):
    permission = Perm.TICKETS_VIEW
    template_name = "tickets/ticket_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.page_context(self.load_ticket(kwargs["ticket_id"])))
        return context


class TicketActionView(TicketPageMixin, TemplateView):
    """POST ``<ticket>/<action>/``: on success a message and back to the ticket; on bad input the page
    again with that form's errors."""

    permission = Perm.TICKETS_WORK
    template_name = "tickets/ticket_detail.html"
    http_method_names = ["post"]
    ticket: Ticket

    def post(self, request: HttpRequest, org_slug: str, ticket_id: int, action: str) -> HttpResponse:
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise Http404
        self.ticket = self.load_ticket(ticket_id)
        result: HttpResponse = handler(request)
        return result

    def done(self, text: str) -> HttpResponse:
        messages.success(self.request, text)
        return redirect("tickets:ticket_detail", org_slug=self.organization.slug, ticket_id=self.ticket.pk)

    def again(self, name: str, form: forms.Form) -> HttpResponse:
        context = self.page_context(self.ticket, {name: form})
        context["focus_form"] = name
        return self.render_to_response(context)

    def run(self, name: str, form: forms.Form, call: Callable[[], Any], success: str) -> HttpResponse:
        if not form.is_valid():
            return self.again(name, form)
        try:
            call()
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.again(name, form)
        return self.done(success)

    # --- each action ---------------------------------------------------------------------------------

    def do_status(self, request: HttpRequest) -> HttpResponse:
        form = StatusForm(
            request.POST,
            root_causes=root_cause_choices(organization=self.organization),
            surveys=followup_surveys(),
            prefix="status",
        )

        def call() -> None:
            data = form.cleaned_data
            root_cause = (
                RootCause.objects.filter(pk=data["root_cause"]).first() if data["root_cause"] else None
            )
            ticket_change_status(
                ticket=self.ticket,
                actor=self.membership,
                status=data["status"],
                root_cause=root_cause,
                outcome=data["outcome"],
                outcome_note=data["outcome_note"],
                send_followup=data["send_followup"],
                followup_survey=data["followup_survey"],
            )

        label = dict(TicketStatus.choices).get(request.POST.get("status-status", ""), "")
        return self.run("status", form, call, _("The status is now “%(status)s”.") % {"status": label})

    def do_priority(self, request: HttpRequest) -> HttpResponse:
        form = PriorityForm(request.POST, prefix="priority")
        return self.run(
            "priority",
            form,
            lambda: ticket_set_priority(
                ticket=self.ticket, actor=self.membership, priority=form.cleaned_data["priority"]
            ),
            _("The priority is changed."),
        )

    def do_assign(self, request: HttpRequest) -> HttpResponse:
        form = AssignForm(request.POST, members=working_members(), prefix="assign")
        return self.run(
            "assign",
            form,
            lambda: ticket_assign(
                ticket=self.ticket, actor=self.membership, assignee=form.cleaned_data["assignee"]
            ),
            _("The assignee is changed."),
        )

    def do_team(self, request: HttpRequest) -> HttpResponse:
        form = TeamForm(request.POST, teams=team_choices(), prefix="team")
        return self.run(
            "team",
            form,
            lambda: ticket_set_team(
                ticket=self.ticket, actor=self.membership, team=form.cleaned_data["team"]
            ),
            _("The team is changed."),
        )

    def do_claim(self, request: HttpRequest) -> HttpResponse:
        try:
            ticket_claim(ticket=self.ticket, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(
                "tickets:ticket_detail", org_slug=self.organization.slug, ticket_id=self.ticket.pk
            )
        if request.POST.get("next") == "queue":
            messages.success(request, _("Ticket #%(number)d is yours.") % {"number": self.ticket.pk})
            return redirect("tickets:queue", org_slug=self.organization.slug)
        return self.done(_("The ticket is yours."))

    def do_note(self, request: HttpRequest) -> HttpResponse:
        form = MessageForm(request.POST, prefix="note", label=_("Internal note"))
        return self.run(
            "note",
            form,
            lambda: ticket_add_note(
                ticket=self.ticket, actor=self.membership, body=form.cleaned_data["body"]
            ),
            _("The note is added."),
        )

    def do_log(self, request: HttpRequest) -> HttpResponse:
        form = MessageForm(request.POST, prefix="log", label=_("What was said (call, chat…)"))
        return self.run(
            "log",
            form,
            lambda: ticket_log_contact(
                ticket=self.ticket, actor=self.membership, body=form.cleaned_data["body"]
            ),
            _("The contact with the customer is logged."),
        )

    def do_reply(self, request: HttpRequest) -> HttpResponse:
        canned = canned_list(organization=self.organization)
        if request.POST.get("intent") == "insert":
            return self.insert_canned(request, canned)
        form = ReplyForm(request.POST, canned=canned, prefix="reply", label=_("Reply to the customer"))
        return self.run(
            "reply",
            form,
            lambda: ticket_reply(ticket=self.ticket, actor=self.membership, body=form.cleaned_data["body"]),
            _("The reply is on its way to the customer."),
        )

    def insert_canned(self, request: HttpRequest, canned: Any) -> HttpResponse:
        """Without scripts, "Insert" puts the rendered canned response into the reply box."""
        insert = CannedInsertForm(
            {"body": request.POST.get("reply-body", ""), "canned": request.POST.get("reply-canned", "")},
            canned=canned,
        )
        reply = ReplyForm(canned=canned, prefix="reply", label=_("Reply to the customer"))
        if not insert.is_valid():
            reply = ReplyForm(request.POST, canned=canned, prefix="reply", label=_("Reply to the customer"))
            reply.is_valid()
            reply.errors.clear()
            reply.add_error("canned", _("Choose a canned response to insert."))
            return self.again("reply", reply)
        try:
            text = canned_render(
                canned=insert.cleaned_data["canned"], ticket=self.ticket, agent=self.membership
            )
        except ValidationError as exc:
            reply = ReplyForm(request.POST, canned=canned, prefix="reply", label=_("Reply to the customer"))
            reply.is_valid()
            reply.errors.clear()
            reply.add_error("canned", exc.messages)
            return self.again("reply", reply)
        body = insert.cleaned_data["body"]
        reply = ReplyForm(
            canned=canned,
            prefix="reply",
            label=_("Reply to the customer"),
            initial={"body": f"{body.rstrip()}\n\n{text}" if body.strip() else text},
        )
        return self.again("reply", reply)

    def do_merge(self, request: HttpRequest) -> HttpResponse:
        form = MergeForm(request.POST, prefix="merge")
        if not form.is_valid():
            return self.again("merge", form)
        number = form.cleaned_data["target"]
        try:
            target = self.load_ticket(number)
        except Http404:
            form.add_error("target", _("There is no ticket #%(number)d.") % {"number": number})
            return self.again("merge", form)
        if target.pk == self.ticket.pk:
            form.add_error("target", _("A ticket cannot be merged into itself."))
            return self.again("merge", form)
        try:
            ticket_merge(source=self.ticket, target=target, actor=self.membership)
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.again("merge", form)
        messages.success(request, _("Merged into ticket #%(number)d.") % {"number": target.pk})
        return redirect("tickets:ticket_detail", org_slug=self.organization.slug, ticket_id=target.pk)

    def do_followup(self, request: HttpRequest) -> HttpResponse:
        form = FollowupForm(request.POST, surveys=followup_surveys(), prefix="followup")
        return self.run(
            "followup",
            form,
            lambda: ticket_followup_send(
                ticket=self.ticket, survey=form.cleaned_data["followup_survey"], actor=self.membership
            ),
            _("The follow-up survey is on its way to the customer."),
        )


class CannedRenderView(TicketPageMixin, View):
    """JSON for the reply box: ``{"text": ...}`` or ``{"error": ...}`` (400)."""

    permission = Perm.TICKETS_WORK

    def get(self, request: HttpRequest, org_slug: str, ticket_id: int, canned_id: int) -> JsonResponse:
        ticket = self.load_ticket(ticket_id)
        canned = get_object_or_404(CannedResponse.objects.all(), pk=canned_id)
        try:
            text = canned_render(canned=canned, ticket=ticket, agent=self.membership)
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        return JsonResponse({"text": text})


class TicketFromResponseView(OrgActionView):
    """Open a ticket by hand from a response (or go to the ticket that already has it)."""

    permission = Perm.TICKETS_WORK

    def post(self, request: HttpRequest, org_slug: str, response_id: int) -> HttpResponse:
        try:
            response = response_get(
                organization=self.organization,
                scope=access_scope_for(membership=self.membership),
                response_id=response_id,
            )
        except Response.DoesNotExist:
            raise Http404 from None
        try:
            ticket, created = ticket_open_for_response(response=response, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("feedback:response_detail", org_slug=org_slug, response_id=response_id)
        if created:
            messages.success(request, _("Ticket #%(number)d is opened.") % {"number": ticket.pk})
        else:
            messages.info(request, _("This feedback is on ticket #%(number)d.") % {"number": ticket.pk})
        return redirect("tickets:ticket_detail", org_slug=org_slug, ticket_id=ticket.pk)
