"""Lists, segments and the suppression list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from accounts.roles import Perm
from contacts import selectors
from contacts.forms import ContactListForm, ListMembersForm, SegmentForm, SuppressionForm, rules_json
from contacts.models import ContactList, Segment, Suppression, SuppressionChannel, SuppressionReason
from contacts.services import (
    contact_list_add,
    contact_list_delete,
    contact_list_remove,
    contact_list_save,
    segment_delete,
    segment_save,
    suppression_add,
    suppression_delete,
)
from contacts.suppression import normalise_phone, phone_is_valid
from contacts.views.common import ContactsViewMixin, add_errors
from core.views import OrgActionView, OrgObjectFormView
from feedback.models import Contact

MEMBERS_PAGE = 50


# --- lists ---------------------------------------------------------------------------------------


class ListIndexView(ContactsViewMixin, ListView[ContactList]):
    template_name = "contacts/list_index.html"
    context_object_name = "lists"

    def get_queryset(self) -> QuerySet[ContactList]:
        return selectors.contact_lists(organization_id=self.organization.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_edit=self.can(Perm.SURVEYS_EDIT), **kwargs)


class ListFormView(ContactsViewMixin, OrgObjectFormView):
    permission = Perm.SURVEYS_EDIT
    template_name = "contacts/list_form.html"
    form_class = ContactListForm
    model = ContactList
    object_kwarg = "list_id"
    context_object_name = "contact_list"
    object: ContactList | None = None

    def form_valid(self, form: ContactListForm) -> HttpResponse:
        try:
            contact_list = contact_list_save(
                organization=self.organization,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=self.user,
                contact_list=self.object,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The list is saved."))
        return redirect("contacts:list_detail", org_slug=self.organization.slug, list_id=contact_list.pk)


class ListDetailView(ContactsViewMixin, ListView[Contact]):
    template_name = "contacts/list_detail.html"
    paginate_by = MEMBERS_PAGE
    context_object_name = "contacts"

    def get_queryset(self) -> QuerySet[Contact]:
        self.contact_list = get_object_or_404(ContactList.objects.all(), pk=self.kwargs["list_id"])
        return selectors.audience_contacts(
            self.organization.pk, contact_list_id=self.contact_list.pk, segment_id=None
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            contact_list=self.contact_list,
            members_form=ListMembersForm(),
            can_edit=self.can(Perm.SURVEYS_EDIT),
            **kwargs,
        )


class ListMembersAddView(ContactsViewMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact_list = self.get_object(ContactList.objects.all(), self.kwargs["list_id"])
        form = ListMembersForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give at least one email, phone number or external id."))
        else:
            entries = [line.strip() for line in form.cleaned_data["addresses"].splitlines() if line.strip()][
                :1000
            ]
            emails = [e.lower() for e in entries if "@" in e]
            phones = [normalise_phone(e) for e in entries if phone_is_valid(e)]
            found = list(
                Contact.objects.alias(e=Lower("email"))
                .filter(Q(e__in=emails) | Q(phone__in=phones) | Q(external_id__in=entries))
                .values_list("pk", flat=True)
            )
            added = contact_list_add(contact_list=contact_list, contact_ids=found)
            missing = max(0, len(entries) - len(found))
            messages.success(
                request,
                _("%(added)d added; %(missing)d not found among the contacts.")
                % {"added": added, "missing": missing},
            )
        return redirect("contacts:list_detail", org_slug=self.organization.slug, list_id=contact_list.pk)


class ListMemberRemoveView(ContactsViewMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact_list = self.get_object(ContactList.objects.all(), self.kwargs["list_id"])
        contact = self.get_contact()
        contact_list_remove(contact_list=contact_list, contact_ids=[contact.pk])
        messages.success(request, _("Removed from the list."))
        return redirect("contacts:list_detail", org_slug=self.organization.slug, list_id=contact_list.pk)


class ListDeleteView(ContactsViewMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact_list = self.get_object(ContactList.objects.all(), self.kwargs["list_id"])
        try:
            contact_list_delete(contact_list=contact_list, actor=self.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("contacts:list_detail", org_slug=self.organization.slug, list_id=contact_list.pk)
        messages.success(request, _("The list is deleted; its contacts are kept."))
        return redirect("contacts:list_index", org_slug=self.organization.slug)


# --- segments ------------------------------------------------------------------------------------


class SegmentIndexView(ContactsViewMixin, ListView[Segment]):
    template_name = "contacts/segment_index.html"
    context_object_name = "segments"

    def get_queryset(self) -> QuerySet[Segment]:
        return selectors.segments(organization_id=self.organization.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_edit=self.can(Perm.SURVEYS_EDIT), **kwargs)


class SegmentFormView(ContactsViewMixin, OrgObjectFormView):
    permission = Perm.SURVEYS_EDIT
    template_name = "contacts/segment_form.html"
    form_class = SegmentForm
    model = Segment
    object_kwarg = "segment_id"
    context_object_name = "segment"
    object: Segment | None = None

    def get_initial(self) -> dict[str, Any]:
        return SegmentForm.initial_for(self.object) if self.object is not None else {"match": "all"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        count = None
        if self.object is not None:
            try:
                count = selectors.segment_matches(self.organization.pk, self.object.rules).count()
            except ValidationError:
                count = None
        return super().get_context_data(count=count, **kwargs)

    def form_valid(self, form: SegmentForm) -> HttpResponse:
        try:
            segment = segment_save(
                organization=self.organization,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                rules=form.rules(),
                actor=self.user,
                segment=self.object,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The segment is saved."))
        return redirect("contacts:segment_edit", org_slug=self.organization.slug, segment_id=segment.pk)


class SegmentPreviewView(ContactsViewMixin, OrgActionView):
    """htmx: how many contacts the rules in the form match now (the form is not saved)."""

    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SegmentForm(request.POST, organization=self.organization)
        context: dict[str, Any] = {"organization": self.organization}
        form.is_valid()
        try:
            rules = form.rules()
            context["count"] = selectors.segment_matches(self.organization.pk, rules).count()
            context["rules"] = rules_json(rules)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        return render(request, "contacts/_segment_preview.html", context)


class SegmentDeleteView(ContactsViewMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        segment = self.get_object(Segment.objects.all(), self.kwargs["segment_id"])
        try:
            segment_delete(segment=segment, actor=self.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("contacts:segment_edit", org_slug=self.organization.slug, segment_id=segment.pk)
        messages.success(request, _("The segment is deleted."))
        return redirect("contacts:segment_index", org_slug=self.organization.slug)


# --- suppression list ----------------------------------------------------------------------------


class SuppressionListView(ContactsViewMixin, ListView[Suppression]):
    template_name = "contacts/suppression_list.html"
    paginate_by = 100
    context_object_name = "entries"

    def get_queryset(self) -> QuerySet[Suppression]:
        channel = self.request.GET.get("channel", "")
        reason = self.request.GET.get("reason", "")
        return selectors.suppressions(
            organization_id=self.organization.pk,
            channel=channel if channel in SuppressionChannel.values else "",
            reason=reason if reason in SuppressionReason.values else "",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            form=kwargs.pop("form", None) or SuppressionForm(),
            channels=SuppressionChannel.choices,
            reasons=SuppressionReason.choices,
            filters=self.request.GET,
            can_edit=self.can(Perm.SURVEYS_EDIT),
            **kwargs,
        )


class SuppressionAddView(ContactsViewMixin, TemplateView):
    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SuppressionForm(request.POST)
        if form.is_valid():
            channel, address = form.cleaned_data["channel"], form.cleaned_data["address"].strip()
            if channel == SuppressionChannel.EMAIL and "@" not in address:
                form.add_error("address", _("Enter an email address."))
            elif channel == SuppressionChannel.SMS and not phone_is_valid(address):
                form.add_error("address", _("Enter a phone number with its country code."))
            else:
                created = suppression_add(
                    organization_id=self.organization.pk,
                    channel=channel,
                    address=address,
                    reason=SuppressionReason.MANUAL,
                    detail=form.cleaned_data["detail"],
                )
                if created:
                    messages.success(request, _("The address is on the suppression list."))
                else:
                    messages.info(request, _("The address was already on the suppression list."))
                return redirect("contacts:suppression_list", org_slug=self.organization.slug)
        view = SuppressionListView()
        view.setup(request, *args, **kwargs)
        view.organization, view.membership = self.organization, self.membership
        view.object_list = view.get_queryset()
        return render(request, view.template_name, view.get_context_data(form=form), status=400)


class SuppressionDeleteView(ContactsViewMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        entry = self.get_object(Suppression.objects.all(), self.kwargs["suppression_id"])
        suppression_delete(organization=self.organization, suppression_id=entry.pk, actor=self.user)
        messages.success(request, _("The address is no longer suppressed."))
        return redirect("contacts:suppression_list", org_slug=self.organization.slug)
