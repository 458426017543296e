"""Contact pages: the searchable list, one contact's page, creating and editing, consent, lists,
unsubscribe, and the privacy actions (export for admins, erasure for admins)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.roles import Perm
from contacts import selectors
from contacts.forms import AddToListForm, ConsentForm, ContactForm, EraseForm
from contacts.models import ContactList, Segment
from contacts.services import (
    ContactData,
    contact_consent_set,
    contact_create,
    contact_erase,
    contact_export,
    contact_list_add,
    contact_list_remove,
    contact_unsubscribe,
    contact_update,
)
from contacts.views.common import ContactsViewMixin, add_errors
from core.views import OrgActionView
from feedback.models import Consent, Contact

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class ContactListView(ContactsViewMixin, ListView[Contact]):
    template_name = "contacts/contact_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "contacts"

    def get_queryset(self) -> Any:
        params = self.request.GET
        self.segment_error = ""
        rules = None
        segment_id = _int(params.get("segment"))
        if segment_id is not None:
            segment = Segment.objects.filter(pk=segment_id).first()
            if segment is None:
                return Contact.objects.none()
            rules = segment.rules
        try:
            return selectors.contact_search(
                organization_id=self.organization.pk,
                query=params.get("q", "").replace("\x00", "")[:200],
                contact_list_id=_int(params.get("list")),
                segment_rules=rules,
                consent=params.get("consent", "") if params.get("consent") in Consent.values else "",
                suppressed=params.get("suppressed", ""),
            )
        except ValidationError as exc:
            self.segment_error = " ".join(exc.messages)
            return Contact.objects.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = self.request.GET.copy()
        params.pop("page", None)
        return super().get_context_data(
            lists=selectors.contact_lists(organization_id=self.organization.pk),
            segments=selectors.segments(organization_id=self.organization.pk),
            consents=Consent.choices,
            filters=self.request.GET,
            querystring=params.urlencode(),
            segment_error=self.segment_error,
            can_edit=self.can(Perm.SURVEYS_EDIT),
            **kwargs,
        )


class ContactDetailView(ContactsViewMixin, TemplateView):
    template_name = "contacts/contact_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contact = self.get_contact()
        lists = selectors.contact_lists(organization_id=self.organization.pk)
        memberships = selectors.contact_list_memberships(contact=contact)
        return super().get_context_data(
            contact=contact,
            attributes=sorted((contact.attributes or {}).items()),
            memberships=memberships,
            suppression=selectors.contact_suppression(contact),
            responses=selectors.contact_responses(contact=contact),
            invitations=selectors.contact_invitations(contact=contact),
            tickets=selectors.contact_tickets(contact=contact),
            consent_form=ConsentForm(initial={"consent": contact.consent}),
            list_form=AddToListForm(lists=lists.exclude(pk__in=[m.pk for m in memberships])),
            can_edit=self.can(Perm.SURVEYS_EDIT),
            can_manage=self.can(Perm.ORG_MANAGE),
            **kwargs,
        )


class ContactFormView(ContactsViewMixin, FormView[ContactForm]):
    permission = Perm.SURVEYS_EDIT
    template_name = "contacts/contact_form.html"
    form_class = ContactForm
    contact: Contact | None = None

    def _load(self) -> None:
        if "contact_id" in self.kwargs:
            self.contact = self.get_contact()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._load()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return ContactForm.initial_for(self.contact) if self.contact is not None else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(contact=self.contact, **kwargs)

    def form_valid(self, form: ContactForm) -> HttpResponse:
        data = ContactData(
            **{
                k: form.cleaned_data[k]
                for k in ("email", "phone", "external_id", "name", "language", "attributes")
            }
        )
        try:
            if self.contact is None:
                contact = contact_create(organization=self.organization, data=data, actor=self.user)
            else:
                contact = contact_update(contact=self.contact, data=data, actor=self.user)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The contact is saved."))
        return redirect("contacts:contact_detail", org_slug=self.organization.slug, contact_id=contact.pk)


class ContactActionView(ContactsViewMixin, OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def to_contact(self, contact_id: int) -> HttpResponse:
        return redirect("contacts:contact_detail", org_slug=self.organization.slug, contact_id=contact_id)


class ContactConsentView(ContactActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_contact()
        form = ConsentForm(request.POST)
        if form.is_valid():
            contact_consent_set(contact=contact, consent=form.cleaned_data["consent"], actor=self.user)
            messages.success(request, _("Consent updated."))
        else:
            messages.error(request, _("Choose a consent status."))
        return self.to_contact(contact.pk)


class ContactUnsubscribeView(ContactActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_contact()
        contact_unsubscribe(
            organization_id=self.organization.pk, contact_id=contact.pk, source="member", actor=self.user
        )
        messages.success(request, _("The contact is unsubscribed from every channel."))
        return self.to_contact(contact.pk)


class ContactListsChangeView(ContactActionView):
    """Add the contact to a list (``contact_list``) or take them off one (``remove``)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_contact()
        remove_id = _int(request.POST.get("remove"))
        if remove_id is not None:
            contact_list = self.get_object(ContactList.objects.all(), remove_id)
            contact_list_remove(contact_list=contact_list, contact_ids=[contact.pk])
            messages.success(request, _("Removed from the list."))
            return self.to_contact(contact.pk)
        form = AddToListForm(request.POST, lists=ContactList.objects.all())
        if form.is_valid():
            contact_list_add(contact_list=form.cleaned_data["contact_list"], contact_ids=[contact.pk])
            messages.success(request, _("Added to the list."))
        else:
            messages.error(request, _("Choose a list."))
        return self.to_contact(contact.pk)


class ContactExportView(ContactsViewMixin, View):
    permission = Perm.ORG_MANAGE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_contact()
        document = contact_export(organization_id=self.organization.pk, contact_id=contact.pk)
        response = HttpResponse(
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
        return response


class ContactEraseView(ContactsViewMixin, FormView[EraseForm]):
    permission = Perm.ORG_MANAGE
    template_name = "contacts/contact_erase.html"
    form_class = EraseForm

    def get_form_kwargs(self) -> dict[str, Any]:
        self.contact = self.get_contact()
        return {**super().get_form_kwargs(), "contact": self.contact}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # builds the form, which loads the contact
        return {**context, "contact": self.contact}

    def form_valid(self, form: EraseForm) -> HttpResponse:
        contact_erase(organization_id=self.organization.pk, contact_id=self.contact.pk, actor=self.membership)
        messages.success(self.request, _("The contact and their personal data are erased."))
        return redirect("contacts:contact_list", org_slug=self.organization.slug)
