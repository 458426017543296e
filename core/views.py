"""Base classes for the app's own pages: they resolve the organisation from the URL and fail closed."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import FormView

from accounts.models import Membership, Organization
from accounts.roles import Perm, role_has
from core.tenancy import organization_context


def resolve_membership(request: HttpRequest, org_slug: str) -> Membership:
    """The signed-in user's membership of the organisation in the URL; 404 for anyone else."""
    membership = (
        Membership.all_orgs.select_related("organization", "user")
        .filter(organization__slug=org_slug, user_id=request.user.pk)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


class OrgViewMixin(LoginRequiredMixin):
    """Every organisation page inherits this: ``/o/<org_slug>/...``.

    An outsider gets 404, exactly like a missing organisation. A member without the permission named in
    ``permission`` gets 403. The organisation is in the tenancy context for the whole request.
    """

    permission: Perm | None = None
    request: HttpRequest
    organization: Organization
    membership: Membership

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = resolve_membership(request, kwargs["org_slug"])
        self.membership = membership
        self.organization = membership.organization
        request.organization = membership.organization  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        if self.permission is not None and not role_has(membership.role, self.permission):
            raise PermissionDenied
        with organization_context(membership.organization):
            response = super().dispatch(request, *args, **kwargs)
            # Template responses render lazily; render inside the context so that templates may query.
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                response = render()
            return response

    def can(self, perm: Perm) -> bool:
        return role_has(self.membership.role, perm)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["organization"] = self.organization
        context["membership"] = self.membership
        return context


M = TypeVar("M", bound=Model)


class OrgActionView(OrgViewMixin, View):
    """A POST-only action on an organisation object: it answers with a redirect and a message."""

    http_method_names = ["post"]

    def get_object(self, queryset: QuerySet[M], pk: int) -> M:
        # ``queryset`` is the scoped default manager's: another organisation's id is a 404.
        return get_object_or_404(queryset, pk=pk)


class OrgObjectFormView(OrgViewMixin, FormView):
    """Create (no id in the URL) or edit (``object_kwarg`` in the URL) one organisation object.

    The object is loaded through the scoped default manager, so another organisation's id is a 404.
    The form takes the organisation and provides ``initial_for(obj)``; the template gets the object
    as ``context_object_name``.
    """

    model: type[Model]
    object_kwarg: str
    context_object_name: str
    object: Any = None

    def setup_object(self) -> None:
        pk = self.kwargs.get(self.object_kwarg)
        if pk is not None:
            self.object = get_object_or_404(self.model._default_manager.select_related("organization"), pk=pk)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization}

    def get_initial(self) -> dict[str, Any]:
        form_class = self.get_form_class()
        return form_class.initial_for(self.object) if self.object is not None else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), self.context_object_name: self.object}
