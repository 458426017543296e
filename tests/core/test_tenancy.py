import pytest

from core.tenancy import MissingOrganizationContext, organization_context
from feedback.models import Response
from tests.factories import ResponseFactory


@pytest.mark.django_db
def test_tenant_query_without_organisation_context_fails_closed(organization):
    ResponseFactory(organization=organization)

    with pytest.raises(MissingOrganizationContext):
        list(Response.objects.all())


@pytest.mark.django_db
def test_tenant_query_sees_only_the_organisation_in_context(organization, other_organization):
    mine = ResponseFactory(organization=organization)
    ResponseFactory(organization=other_organization)

    with organization_context(organization):
        assert list(Response.objects.values_list("pk", flat=True)) == [mine.pk]
    with organization_context(other_organization):
        assert Response.objects.filter(pk=mine.pk).exists() is False


@pytest.mark.django_db
def test_unscoped_manager_is_the_explicit_bypass(organization, other_organization):
    ResponseFactory(organization=organization)
    ResponseFactory(organization=other_organization)

    assert Response.all_orgs.count() == 2
