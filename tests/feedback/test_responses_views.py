import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import AccessGroupMembership
from accounts.roles import Role
from feedback.models import Channel
from feedback.services import ContactRef, FeedbackItem, feedback_ingest, response_submit
from tests.factories import (
    AccessGroupFactory,
    ContactFactory,
    ResponseFactory,
    SurveyFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def list_url(slug="acme", **params):
    base = reverse("feedback:response_list", kwargs={"org_slug": slug})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def detail_url(response_id, slug="acme"):
    return reverse("feedback:response_detail", kwargs={"org_slug": slug, "response_id": response_id})


def listed_ids(page):
    return [r.pk for r in page.context["responses"]]


@pytest.fixture
def answered(live_survey):
    """A finished survey response with a hidden field, metadata and a contact."""
    contact = ContactFactory(organization=live_survey.organization, email="ana@example.net", name="Ana")
    result = response_submit(
        survey=live_survey,
        client_id=uuid.uuid4(),
        answers={"nps": 3, "why": "Delivery took <b>ten</b> days."},
        finished=True,
        channel=Channel.LINK,
        language="ru",
        hidden_fields={"plan": "pro"},
        meta={"url": "https://shop.example/checkout", "ip_hash": "abc123"},
        contact=contact,
        now=NOON,
    )
    return result.response


def test_the_owner_sees_the_list_with_the_columns(client_for, owner, answered):
    page = client_for(owner).get(list_url())

    assert (page.status_code, listed_ids(page)) == (200, [answered.pk])
    html = page.content.decode()
    for text in ["Relationship NPS", "Link survey", "NPS 3", "Delivery took", "ana@example.net", "Finished"]:
        assert text in html


def test_the_received_time_is_shown_in_the_readers_time_zone(client_for, owner, answered):
    owner.user.timezone = "Asia/Jakarta"
    owner.user.save(update_fields=["timezone"])

    html = client_for(owner).get(list_url()).content.decode()

    assert 'datetime="2026-03-10T19:00:00+07:00"' in html


def test_a_viewer_sees_the_list_and_the_detail(client_for, viewer, answered):
    client = client_for(viewer)

    assert (client.get(list_url()).status_code, client.get(detail_url(answered.pk)).status_code) == (200, 200)


def test_an_outsider_gets_404_on_the_list_and_the_detail(client_for, outsider, answered):
    client = client_for(outsider)

    assert (client.get(list_url()).status_code, client.get(detail_url(answered.pk)).status_code) == (404, 404)


def test_another_organisations_response_is_404_for_its_own_owner_url(client_for, outsider, answered):
    response = client_for(outsider).get(detail_url(answered.pk, slug="globex"))

    assert response.status_code == 404


def test_the_detail_shows_every_answer_with_its_question_hidden_fields_metadata_and_contact(
    client_for, owner, answered
):
    page = client_for(owner).get(detail_url(answered.pk))

    assert [(a.key, a.question, a.lines) for a in page.context["answers"]] == [
        ("nps", "How likely are you to recommend us?", ["3 / 10"]),
        ("why", "What went wrong?", ["Delivery took <b>ten</b> days."]),
    ]
    assert page.context["hidden_fields"] == [("plan", "pro")]
    assert page.context["metadata"] == [("url", "https://shop.example/checkout")]
    html = page.content.decode()
    assert "Delivery took &lt;b&gt;ten&lt;/b&gt; days." in html
    assert "abc123" not in html
    assert "ana@example.net" in html


def test_question_texts_follow_the_readers_language_from_the_responses_own_version(
    client_for, owner, answered
):
    owner.user.language = "ru"
    owner.user.save(update_fields=["language"])

    page = client_for(owner).get(detail_url(answered.pk))

    assert [a.question for a in page.context["answers"]] == ["Порекомендуете ли вы нас?", "Что пошло не так?"]


def test_the_detail_lists_the_contacts_other_responses(client_for, owner, answered, organization):
    other = ResponseFactory(organization=organization, contact=answered.contact, comment="Second visit")
    ResponseFactory(organization=organization, comment="Someone else")

    page = client_for(owner).get(detail_url(answered.pk))

    assert [r.pk for r in page.context["other_responses"]] == [other.pk]


def test_feedback_without_a_survey_shows_its_comment_once(client_for, owner, organization):
    stored = feedback_ingest(
        organization_id=organization.pk,
        item=FeedbackItem(
            channel=Channel.APP_REVIEW,
            external_id="review-1",
            scores={"csat": 2},
            comment="Logs me out daily.",
            contact=ContactRef(email="li@example.net"),
        ),
    ).response

    page = client_for(owner).get(detail_url(stored.pk))

    assert (page.status_code, page.context["answers"]) == (200, [])
    assert page.content.decode().count("Logs me out daily.") == 1


def test_a_comment_with_a_script_is_shown_escaped(client_for, owner, organization):
    response = ResponseFactory(organization=organization, comment="<script>alert(1)</script>")

    pages = [client_for(owner).get(list_url()), client_for(owner).get(detail_url(response.pk))]

    for page in pages:
        html = page.content.decode()
        assert ("<script>alert(1)" in html, "&lt;script&gt;alert(1)" in html) == (False, True)


# --- access groups -----------------------------------------------------------------------------------


@pytest.fixture
def limited(organization, make_member):
    """A viewer limited to one touchpoint and one survey listed by itself."""
    store = TouchpointFactory(organization=organization, name="Store visit")
    calls = TouchpointFactory(organization=organization, name="Call centre")
    listed = SurveyFactory(organization=organization, name="Listed", touchpoint=calls)
    hidden = SurveyFactory(organization=organization, name="Hidden", touchpoint=calls)
    member = make_member(organization, Role.VIEWER, email="limited@acme.test")
    group = AccessGroupFactory(organization=organization, name="Stores")
    group.touchpoints.add(store)
    group.surveys.add(listed)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    return SimpleNamespace(
        member=member,
        on_store=ResponseFactory(organization=organization, survey=None, touchpoint=store),
        on_listed=ResponseFactory(organization=organization, survey=listed),
        on_hidden=ResponseFactory(organization=organization, survey=hidden),
        no_survey=ResponseFactory(organization=organization, survey=None, touchpoint=None),
    )


def test_a_restricted_member_lists_only_responses_of_their_access_groups(client_for, limited):
    page = client_for(limited.member).get(list_url())

    assert sorted(listed_ids(page)) == sorted([limited.on_store.pk, limited.on_listed.pk])
    form = page.context["filter_form"]
    assert [s.name for s in form.fields["survey"].queryset] == ["Listed"]
    assert [t.name for t in form.fields["touchpoint"].queryset] == ["Call centre", "Store visit"]


def test_a_restricted_member_gets_404_on_other_responses(client_for, limited):
    client = client_for(limited.member)

    statuses = [
        client.get(detail_url(r.pk)).status_code
        for r in (limited.on_store, limited.on_listed, limited.on_hidden, limited.no_survey)
    ]

    assert statuses == [200, 200, 404, 404]


def test_a_restricted_member_sees_only_allowed_responses_of_a_contact(client_for, limited, organization):
    contact = ContactFactory(organization=organization)
    for response in (limited.on_store, limited.on_listed, limited.on_hidden):
        response.contact = contact
        response.save(update_fields=["contact"])

    page = client_for(limited.member).get(detail_url(limited.on_store.pk))

    assert [r.pk for r in page.context["other_responses"]] == [limited.on_listed.pk]


# --- filters and pagination ----------------------------------------------------------------------------


@pytest.fixture
def stream(organization, live_survey):
    other_survey = SurveyFactory(organization=organization, name="CSAT after support")
    return SimpleNamespace(
        web=ResponseFactory(
            organization=organization,
            survey=live_survey,
            touchpoint=live_survey.touchpoint,
            channel=Channel.WEB,
            language="ru",
            comment="Курьер опоздал",
            received_at=NOON - dt.timedelta(days=2),
            finished_at=NOON - dt.timedelta(days=2),
        ),
        email=ResponseFactory(
            organization=organization,
            survey=other_survey,
            channel=Channel.EMAIL,
            comment="Great support, thanks",
            received_at=NOON,
            finished_at=None,
        ),
        review=ResponseFactory(
            organization=organization,
            survey=None,
            touchpoint=None,
            channel=Channel.APP_REVIEW,
            comment="Crashes on start",
            received_at=NOON + dt.timedelta(days=1),
            finished_at=NOON + dt.timedelta(days=1),
        ),
        other_survey=other_survey,
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["review", "email", "web"]),
        ({"channel": "email"}, ["email"]),
        ({"language": "ru"}, ["web"]),
        ({"finished": "yes"}, ["review", "web"]),
        ({"finished": "no"}, ["email"]),
        ({"q": "SUPPORT"}, ["email"]),
        ({"received_from": "2026-03-10"}, ["review", "email"]),
        ({"received_to": "2026-03-10"}, ["email", "web"]),
        ({"received_from": "2026-03-10", "received_to": "2026-03-10"}, ["email"]),
        ({"channel": "nonsense", "finished": "no"}, ["email"]),
        ({"received_from": "not-a-date"}, ["review", "email", "web"]),
    ],
)
def test_the_list_filters(client_for, owner, stream, params, expected):
    page = client_for(owner).get(list_url(**params))

    assert listed_ids(page) == [getattr(stream, name).pk for name in expected]


def test_the_list_filters_by_survey_and_touchpoint(client_for, owner, stream, live_survey):
    client = client_for(owner)

    by_survey = client.get(list_url(survey=stream.other_survey.pk))
    by_touchpoint = client.get(list_url(touchpoint=live_survey.touchpoint_id))

    assert (listed_ids(by_survey), listed_ids(by_touchpoint)) == ([stream.email.pk], [stream.web.pk])


def test_another_organisations_survey_is_no_filter_at_all(client_for, owner, stream, other_organization):
    foreign = SurveyFactory(organization=other_organization)

    page = client_for(owner).get(list_url(survey=foreign.pk))

    assert listed_ids(page) == [stream.review.pk, stream.email.pk, stream.web.pk]


def test_an_htmx_filter_request_gets_only_the_results(client_for, owner, stream):
    page = client_for(owner).get(list_url(channel="email"), HTTP_HX_REQUEST="true")

    assert (page.templates[0].name, listed_ids(page)) == (
        "feedback/responses/_results.html",
        [stream.email.pk],
    )


def test_pagination_returns_every_response_exactly_once_newest_first(client_for, owner, organization):
    # 120 responses, many sharing a received time, so that the cursor must break ties by id.
    created = [
        ResponseFactory(organization=organization, received_at=NOON - dt.timedelta(minutes=i // 3))
        for i in range(120)
    ]
    client = client_for(owner)
    seen, pages, cursor = [], 0, ""
    while cursor is not None:
        page = client.get(list_url(after=cursor) if cursor else list_url())
        seen += listed_ids(page)
        cursor = page.context["page"].next_cursor
        pages += 1

    expected = [r.pk for r in sorted(created, key=lambda r: (r.received_at, r.pk), reverse=True)]
    assert (pages, seen) == (3, expected)


def test_the_newer_link_goes_back_to_the_previous_page(client_for, owner, organization):
    for i in range(60):
        ResponseFactory(organization=organization, received_at=NOON - dt.timedelta(minutes=i))
    client = client_for(owner)
    first = client.get(list_url())
    second = client.get(list_url(after=first.context["page"].next_cursor))

    back = client.get(list_url(before=second.context["page"].previous_cursor))

    assert (listed_ids(back), back.context["page"].previous_cursor) == (listed_ids(first), None)
    assert (len(listed_ids(second)), second.context["page"].next_cursor) == (10, None)


def test_a_broken_cursor_shows_the_first_page(client_for, owner, stream):
    page = client_for(owner).get(list_url(after="%00garbage"))

    assert (page.status_code, listed_ids(page)) == (200, [stream.review.pk, stream.email.pk, stream.web.pk])


def test_page_links_keep_the_filters(client_for, owner, organization):
    for _ in range(51):
        ResponseFactory(organization=organization, channel=Channel.EMAIL)

    page = client_for(owner).get(list_url(channel="email"))

    cursor = page.context["page"].next_cursor
    assert f'href="?channel=email&amp;after={cursor}"' in page.content.decode()


def test_the_list_and_detail_need_a_bounded_number_of_queries(
    client_for, limited, organization, django_assert_max_num_queries
):
    contact = ContactFactory(organization=organization)
    for _ in range(40):
        ResponseFactory(organization=organization, survey=limited.on_listed.survey, contact=contact)
    client = client_for(limited.member)

    # Session, user, membership, access scope (4), responses, filter choices (2), organisation switcher;
    # the same with 40 responses as with one.
    # Every page also counts the member's unread notifications (the bell): one query.
    with django_assert_max_num_queries(12):
        assert client.get(list_url()).status_code == 200
    # The detail page adds the alert trace and the response's ticket: one query each; and its theme
    # names and tags (with the organisation's tag names to suggest): one query each.
    with django_assert_max_num_queries(15):
        assert client.get(detail_url(limited.on_listed.pk)).status_code == 200


def test_an_empty_organisation_says_so(client_for, owner):
    page = client_for(owner).get(list_url())

    assert (page.status_code, "No responses yet." in page.content.decode()) == (200, True)


def test_the_sidebar_links_to_the_responses(client_for, owner):
    html = client_for(owner).get(list_url()).content.decode()

    assert f'href="{list_url()}" aria-current="page"' in html


def test_question_texts_are_shown_as_the_respondent_saw_them():
    from types import SimpleNamespace

    from feedback.views.responses import answer_rows

    definition = {
        "base_language": "en",
        "questions": [
            {"key": "nps", "type": "nps", "text": {"en": "How likely?"}},
            {"key": "why", "type": "text", "text": {"en": "Why {{answer.nps}}, {{hidden.plan}}?"}},
        ],
    }
    response = SimpleNamespace(
        survey_version=SimpleNamespace(definition=definition),
        answers={"nps": 3, "why": "Slow"},
        hidden_fields={"plan": "pro"},
        meta={},
    )

    assert [row.question for row in answer_rows(response, "en")] == ["How likely?", "Why 3, pro?"]
