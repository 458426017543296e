import pytest

from core.models import OutboxEvent
from textanalysis.models import Theme
from textanalysis.services import CHANGED


@pytest.fixture
def delivery_theme(organization):
    return Theme.all_orgs.create(
        organization=organization,
        name="Delivery",
        keywords={"en": ["courier", "parcel"], "ru": ["курьер"], "zh-hans": ["快递"], "id": ["kurir"]},
    )


@pytest.fixture
def changed_events():
    def events(organization):
        return list(
            OutboxEvent.all_orgs.filter(organization=organization, topic=CHANGED)
            .order_by("pk")
            .values_list("payload__response_id", flat=True)
        )

    return events
