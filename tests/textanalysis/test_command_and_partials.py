import pytest
from django.core.management import call_command
from django.template import Context, Template

from feedback.models import Response
from tests import factories

pytestmark = pytest.mark.django_db


def test_analyse_text_only_new_by_default_and_all_on_request(
    organization, other_organization, delivery_theme
):
    fresh = factories.ResponseFactory(organization=organization, comment="The courier was great.")
    done = factories.ResponseFactory(organization=organization, comment="The courier was great.")
    Response.all_orgs.filter(pk=done.pk).update(sentiment="negative", analysed_at="2025-01-01T00:00:00Z")
    elsewhere = factories.ResponseFactory(organization=other_organization, comment="Awful.")

    call_command("analyse_text", "--org", "acme", "--batch-size", "1")
    first = [Response.all_orgs.get(pk=r.pk).sentiment for r in (fresh, done, elsewhere)]
    call_command("analyse_text", "--all")
    second = [Response.all_orgs.get(pk=r.pk).sentiment for r in (fresh, done, elsewhere)]

    assert first == ["positive", "negative", ""]
    assert second == ["positive", "positive", "negative"]


def test_sentiment_badge_shows_sentiment_and_theme_names_escaped(organization, delivery_theme):
    delivery_theme.name = "<i>Delivery</i>"
    delivery_theme.save()
    response = factories.ResponseFactory(
        organization=organization, sentiment="negative", theme_ids=[delivery_theme.pk, 999999]
    )

    html = Template("{% load textanalysis %}{% sentiment_badge response %}").render(
        Context({"response": response})
    )

    assert "Negative" in html
    assert "&lt;i&gt;Delivery&lt;/i&gt;" in html
    assert html.count('class="badge') == 2


def test_response_tags_panel_renders_with_the_lead_include_line(organization, owner):
    response = factories.ResponseFactory(organization=organization)

    html = Template("{% load textanalysis %}{% response_tags_panel response %}").render(
        Context({"response": response, "organization": organization, "csrf_token": "token123"})
    )

    assert 'id="response-tags"' in html
    assert 'value="token123"' in html
    assert f"/o/acme/insights/text/responses/{response.pk}/tags/" in html
