"""Shared pieces of the contacts pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404

from accounts.models import User
from accounts.roles import Perm
from contacts import selectors
from core.views import OrgViewMixin
from feedback.models import Contact


class ContactsViewMixin(OrgViewMixin):
    permission = Perm.RESPONSES_VIEW
    kwargs: dict[str, Any]

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def get_contact(self) -> Contact:
        try:
            return selectors.contact_get(
                organization_id=self.organization.pk, contact_id=self.kwargs["contact_id"]
            )
        except Contact.DoesNotExist:
            raise Http404 from None


def add_errors(form: Form, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form: per field where it names one, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)
