"""Partials other pages include: a response's tags (with add/remove forms) and its sentiment badge.

{% load textanalysis %}
{% response_tags_panel response %}          (needs ``organization`` and ``csrf_token`` in context)
{% sentiment_badge response %}              (or ``{% sentiment_badge response theme_names %}`` with a
                                             dict of theme id → name, to save a query per row)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from accounts.models import Organization
from feedback.models import Response
from textanalysis.selectors import response_tags, tag_choices, theme_names

register = template.Library()


def response_tags_context(
    *, organization: Organization, response: Response, csrf_token: Any, error: str = ""
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "organization": organization,
        "response": response,
        "response_tags": response_tags(response=response),
        "tag_suggestions": tag_choices(organization_id=organization.pk),
        "tag_error": error,
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return context


@register.inclusion_tag("textanalysis/_response_tags.html", takes_context=True)
def response_tags_panel(context: template.Context, response: Response) -> dict[str, Any]:
    return response_tags_context(
        organization=context["organization"], response=response, csrf_token=context.get("csrf_token")
    )


@register.inclusion_tag("textanalysis/_sentiment_badge.html")
def sentiment_badge(response: Response, names: Mapping[int, str] | None = None) -> dict[str, Any]:
    ids = list(response.theme_ids or [])
    if names is None:
        names = theme_names(organization_id=response.organization_id, ids=ids)
    return {
        "response": response,
        "sentiment": response.sentiment,
        "theme_list": [names[i] for i in ids if i in names],
    }
