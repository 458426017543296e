"""Settings pages for outgoing webhooks: endpoints, their signing secret, and the delivery log."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.forms import add_service_error
from accounts.roles import Perm
from core.views import OrgActionView, OrgViewMixin
from webhooks.forms import WebhookEndpointForm
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.selectors import delivery_get, delivery_list, endpoint_get, endpoint_list
from webhooks.services import (
    delivery_body,
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_ping,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)


class EndpointListView(OrgViewMixin, ListView[WebhookEndpoint]):
    permission = Perm.API_KEYS_MANAGE
    template_name = "webhooks/endpoint_list.html"
    paginate_by = 50
    context_object_name = "endpoints"

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return endpoint_list(organization=self.organization)


class EndpointFormView(OrgViewMixin, FormView[WebhookEndpointForm]):
    permission = Perm.API_KEYS_MANAGE
    template_name = "webhooks/endpoint_form.html"
    form_class = WebhookEndpointForm
    endpoint: WebhookEndpoint | None = None

    def dispatch_loaded(self) -> None:
        if "endpoint_id" in self.kwargs:
            self.endpoint = endpoint_get(
                organization=self.organization, endpoint_id=self.kwargs["endpoint_id"]
            )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.dispatch_loaded()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.dispatch_loaded()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        if self.endpoint is None:
            return {"active": True, "events": list(WebhookEvent.values)}
        return WebhookEndpointForm.initial_for(self.endpoint)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "endpoint": self.endpoint}

    def form_valid(self, form: WebhookEndpointForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            if self.endpoint is None:
                endpoint = webhook_endpoint_create(
                    organization=self.organization,
                    actor=self.membership,
                    name=data["name"],
                    url=data["url"],
                    events=data["events"],
                    active=data["active"],
                )
            else:
                endpoint = webhook_endpoint_update(
                    endpoint=self.endpoint,
                    actor=self.membership,
                    name=data["name"],
                    url=data["url"],
                    events=data["events"],
                    active=data["active"],
                )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The webhook “%(name)s” is saved.") % {"name": endpoint.name})
        return redirect("webhooks:endpoint_detail", org_slug=self.organization.slug, endpoint_id=endpoint.pk)


class EndpointDetailView(OrgViewMixin, ListView[WebhookDelivery]):
    """The endpoint, its signing secret, and its delivery log (newest first)."""

    permission = Perm.API_KEYS_MANAGE
    template_name = "webhooks/endpoint_detail.html"
    paginate_by = 25
    context_object_name = "deliveries"

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        self.endpoint = endpoint_get(organization=self.organization, endpoint_id=self.kwargs["endpoint_id"])
        return delivery_list(organization=self.organization, endpoint=self.endpoint)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["endpoint"] = self.endpoint
        # While something on this page is on its way, the log refreshes itself (htmx polling).
        context["in_flight"] = any(
            d.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING) for d in context["deliveries"]
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        # The page shows the signing secret: keep it out of shared caches and the back-forward cache.
        add_never_cache_headers(response)
        return response


class DeliveryDetailView(OrgViewMixin, TemplateView):
    permission = Perm.API_KEYS_MANAGE
    template_name = "webhooks/delivery_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        endpoint = endpoint_get(organization=self.organization, endpoint_id=self.kwargs["endpoint_id"])
        delivery = delivery_get(
            organization=self.organization, endpoint=endpoint, delivery_id=self.kwargs["delivery_id"]
        )
        context["endpoint"] = endpoint
        context["delivery"] = delivery
        context["body"] = json.dumps(json.loads(delivery_body(delivery)), indent=2, ensure_ascii=False)
        return context


class EndpointDeleteView(OrgActionView):
    permission = Perm.API_KEYS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
        endpoint = endpoint_get(organization=self.organization, endpoint_id=endpoint_id)
        name = endpoint.name
        webhook_endpoint_delete(endpoint=endpoint, actor=self.membership)
        messages.success(request, _("The webhook “%(name)s” is deleted.") % {"name": name})
        return redirect("webhooks:endpoint_list", org_slug=org_slug)


class EndpointRotateView(OrgActionView):
    permission = Perm.API_KEYS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
        endpoint = endpoint_get(organization=self.organization, endpoint_id=endpoint_id)
        webhook_endpoint_rotate_secret(endpoint=endpoint, actor=self.membership)
        messages.success(
            request,
            _(
                "The signing secret is replaced. Update your receiver: signatures made with the old one stop now."
            ),
        )
        return redirect("webhooks:endpoint_detail", org_slug=org_slug, endpoint_id=endpoint.pk)


class EndpointPingView(OrgActionView):
    permission = Perm.API_KEYS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
        endpoint = endpoint_get(organization=self.organization, endpoint_id=endpoint_id)
        webhook_endpoint_ping(endpoint=endpoint, actor=self.membership)
        messages.success(request, _("A test event is on its way. Its result appears in the log below."))
        return redirect("webhooks:endpoint_detail", org_slug=org_slug, endpoint_id=endpoint.pk)


class DeliveryRetryView(OrgActionView):
    permission = Perm.API_KEYS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, endpoint_id: int, delivery_id: int) -> HttpResponse:
        endpoint = endpoint_get(organization=self.organization, endpoint_id=endpoint_id)
        delivery = delivery_get(organization=self.organization, endpoint=endpoint, delivery_id=delivery_id)
        try:
            webhook_delivery_retry(delivery=delivery, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The delivery is queued to be sent again."))
        return redirect("webhooks:endpoint_detail", org_slug=org_slug, endpoint_id=endpoint.pk)
