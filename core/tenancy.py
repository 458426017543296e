"""Fail-closed multi-tenancy.

Tenant-owned models use ``TenantManager`` as their default manager. It filters every query by the
organisation in the current context and raises ``MissingOrganizationContext`` when there is none, so a
forgotten filter is a loud error rather than a data leak. The explicit bypass is ``Model.all_orgs``
(admin, migrations, periodic sweeps and the code that resolves the organisation itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Organization

_current_organization: ContextVar[Organization | None] = ContextVar("current_organization", default=None)

M = TypeVar("M", bound=models.Model)


class MissingOrganizationContext(RuntimeError):
    """A tenant-owned table was queried without an organisation in context."""


@contextmanager
def organization_context(organization: Organization) -> Iterator[Organization]:
    token = _current_organization.set(organization)
    try:
        yield organization
    finally:
        _current_organization.reset(token)


def current_organization() -> Organization:
    organization = _current_organization.get()
    if organization is None:
        raise MissingOrganizationContext(
            "No organisation in context. Wrap the code in organization_context(org) or use Model.all_orgs."
        )
    return organization


def current_organization_or_none() -> Organization | None:
    return _current_organization.get()


class TenantManager(models.Manager[M]):
    """Default manager of tenant models: scoped to the organisation in context, fail-closed."""

    def get_queryset(self) -> models.QuerySet[M]:
        organization = current_organization()
        return super().get_queryset().filter(organization_id=organization.pk)

    def create(self, **kwargs: Any) -> M:
        kwargs.setdefault("organization", current_organization())
        return super().create(**kwargs)


class TenantModel(models.Model):
    """Base for every tenant-owned table: the organisation column, the scoped and unscoped managers."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")

    objects: TenantManager[Any] = TenantManager()
    all_orgs: models.Manager[Any] = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_orgs"
