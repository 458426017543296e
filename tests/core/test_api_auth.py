"""Secret-key authentication of the REST API, through GET /api/v1/me, and the API description."""

from datetime import timedelta

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke

ME = "/api/v1/me"
INVALID_KEY = {"detail": "The secret key is not valid.", "errors": {}}


def _apikey_updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "accounts_apikey"')]


@pytest.mark.django_db
def test_no_credentials_is_401_with_a_challenge(client):
    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "errors": {}}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer cx_sk_one cx_sk_two", "Token cx_sk_abc", "cx_sk_abc"]
)
def test_a_malformed_authorization_header_is_401(client, header):
    response = client.get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == {"detail": "Use the header 'Authorization: Bearer <secret key>'.", "errors": {}}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    ["cx_sk_00000000_thisKeyWasNeverIssuedToAnyone", "sk_live_somebody_elses_key", "cx_pk_test00000001"],
)
def test_an_unknown_key_is_401(client, token):
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json() == INVALID_KEY
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_a_non_ascii_key_is_401_not_a_server_error(client):
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer cx_sk_clé".encode().decode("latin-1"))

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


@pytest.mark.django_db
def test_a_revoked_key_is_401_saying_so(client, owner, issue_api_key):
    issued = issue_api_key(owner)
    api_key_revoke(key=ApiKey.all_orgs.get(organization=owner.organization), actor=owner)

    response = client.get(ME, **issued.headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "This secret key has been revoked.", "errors": {}}


@pytest.mark.django_db
def test_a_valid_read_key_answers_who_it_is(client, owner):
    issued = api_key_create(organization=owner.organization, actor=owner, name="CRM sync", scopes=["read"])

    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {issued.secret}")

    assert response.status_code == 200
    assert response.json() == {
        "organization": "acme",
        "key_name": "CRM sync",
        "key_prefix": issued.key.prefix,
        "scopes": ["read"],
    }
    assert issued.secret.startswith(f"cx_sk_{issued.key.prefix}_")


@pytest.mark.django_db
def test_a_write_only_key_cannot_read(client, owner, issue_api_key):
    issued = issue_api_key(owner, scopes=("write",))

    response = client.get(ME, **issued.headers)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This key does not have the scope this operation needs.",
        "errors": {},
    }


@pytest.mark.django_db
def test_last_used_is_recorded_once_a_minute_not_on_every_request(client, owner, issue_api_key):
    issued = issue_api_key(owner, scopes=("read",))
    key = ApiKey.all_orgs.get(organization=owner.organization)
    assert key.last_used_at is None

    before = timezone.now()
    with CaptureQueriesContext(connection) as first:
        client.get(ME, **issued.headers)
    key.refresh_from_db()
    first_use = key.last_used_at
    with CaptureQueriesContext(connection) as second:
        client.get(ME, **issued.headers)
    key.refresh_from_db()

    assert len(_apikey_updates(first)) == 1
    assert _apikey_updates(second) == []
    assert first_use is not None
    assert before <= first_use <= timezone.now()
    assert key.last_used_at == first_use


@pytest.mark.django_db
def test_last_used_is_recorded_again_after_a_minute(client, owner, issue_api_key):
    issued = issue_api_key(owner, scopes=("read",))
    long_ago = timezone.now() - timedelta(minutes=2)
    ApiKey.all_orgs.filter(organization=owner.organization).update(last_used_at=long_ago)

    with CaptureQueriesContext(connection) as queries:
        client.get(ME, **issued.headers)

    assert len(_apikey_updates(queries)) == 1
    assert ApiKey.all_orgs.get(organization=owner.organization).last_used_at > long_ago + timedelta(minutes=1)


@pytest.mark.django_db
def test_a_failed_authentication_records_no_use(client, owner, issue_api_key):
    issue_api_key(owner)

    client.get(ME, HTTP_AUTHORIZATION="Bearer cx_sk_00000000_wrong")

    assert ApiKey.all_orgs.get(organization=owner.organization).last_used_at is None


@pytest.mark.django_db
def test_each_key_sees_only_its_own_organisation(client, owner, outsider, issue_api_key):
    acme = issue_api_key(owner, scopes=("read",))
    globex = issue_api_key(outsider, scopes=("read",))

    acme_answer = client.get(ME, **acme.headers).json()
    globex_answer = client.get(ME, **globex.headers).json()

    assert (acme_answer["organization"], globex_answer["organization"]) == ("acme", "globex")


@pytest.mark.django_db
def test_the_openapi_schema_is_public(client):
    response = client.get("/api/v1/schema/")

    schema = yaml.safe_load(response.content)
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "cxplatform API"
    assert schema["components"]["securitySchemes"]["secretKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A secret key: cx_sk_…",
    }
    assert "get" in schema["paths"]["/api/v1/me"]


@pytest.mark.django_db
def test_the_openapi_schema_is_available_as_json(client):
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_the_api_docs_page_is_html(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"/api/v1/schema/" in response.content
