"""factory_boy factories. Tenant models are created through ``all_orgs``: factories run outside any
organisation context, and the organisation is always passed or derived explicitly."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from accounts.models import AccessGroup, ApiKey, Membership, Organization, Team, TeamMembership, User
from accounts.roles import Role
from feedback.models import Channel, Contact, Response
from surveys.models import JourneyStage, Survey, SurveyStatus, Touchpoint
from widgets.models import Intercept, Site
from widgets.targeting import default_targeting

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class TenantFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class: Any) -> Any:
        return model_class.all_orgs


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class TeamFactory(TenantFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class TeamMembershipFactory(TenantFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    organization = factory.SelfAttribute("team.organization")
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))


class AccessGroupFactory(TenantFactory):
    class Meta:
        model = AccessGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Access group {n}")


class JourneyStageFactory(TenantFactory):
    class Meta:
        model = JourneyStage

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class TouchpointFactory(TenantFactory):
    class Meta:
        model = Touchpoint

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    stage = factory.SubFactory(JourneyStageFactory, organization=factory.SelfAttribute("..organization"))


class SurveyFactory(TenantFactory):
    class Meta:
        model = Survey

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Survey {n}")
    touchpoint = factory.SubFactory(TouchpointFactory, organization=factory.SelfAttribute("..organization"))
    status = SurveyStatus.LIVE


class ContactFactory(TenantFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"customer{n}@example.net")
    name = factory.Faker("name")


class ResponseFactory(TenantFactory):
    class Meta:
        model = Response

    organization = factory.SubFactory(OrganizationFactory)
    survey = factory.SubFactory(SurveyFactory, organization=factory.SelfAttribute("..organization"))
    touchpoint = factory.SelfAttribute("survey.touchpoint")
    channel = Channel.LINK
    nps = 9
    answers = factory.LazyAttribute(lambda o: {"nps": o.nps})


class SiteFactory(TenantFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    origins = factory.LazyFunction(lambda: ["https://www.example.com"])
    public_key = factory.Sequence(lambda n: f"cx_pk_test{n:08d}")


class InterceptFactory(TenantFactory):
    """A survey on a site. ``targeting`` is stored as given: pass a normalised one (validate_targeting),
    or use widgets.services.intercept_create to go through validation and the audit log."""

    class Meta:
        model = Intercept

    site = factory.SubFactory(SiteFactory)
    organization = factory.SelfAttribute("site.organization")
    survey = factory.SubFactory(SurveyFactory, organization=factory.SelfAttribute("..organization"))
    targeting = factory.LazyFunction(default_targeting)


class ApiKeyFactory(TenantFactory):
    """Use ``issue_api_key`` from conftest when the plaintext secret is needed."""

    class Meta:
        model = ApiKey

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Key {n}")
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    secret_hash = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["read", "write"])
