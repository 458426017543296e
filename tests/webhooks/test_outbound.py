"""Webhooks and alert actions never reach into our own networks (server-side request forgery).

The tests' receivers listen on loopback, so the test settings allow private networks; here the
production default (off) is restored.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from core.outbound import host_refusal, is_public_address, resolved_refusal
from webhooks.services import post_once, url_refusal

PRIVATE = "This address is in a private network; webhooks can only reach public addresses."

pytestmark = pytest.mark.usefixtures("production_outbound")


@pytest.fixture
def production_outbound():
    with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=False):
        yield


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost:8000/hook",
        "https://LOCALHOST./hook",
        "https://api.localhost/hook",
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_a_private_or_local_address_is_refused_when_saved(url):
    assert url_refusal(url) == PRIVATE


@pytest.mark.parametrize("url", ["https://93.184.216.34/hook", "https://hooks.example.com/cx"])
def test_public_addresses_and_names_are_accepted_when_saved(url):
    # A name is not resolved when it is saved (DNS may not be ready yet); it is checked when called.
    assert url_refusal(url) is None


def test_a_name_that_resolves_to_loopback_is_refused_when_called(receiver):
    port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])

    status, error = post_once(f"http://localhost:{port}/", b"{}", {"Content-Type": "application/json"})

    assert (status, error, receiver.requests) == (None, PRIVATE, [])
    assert resolved_refusal("localhost", port) == PRIVATE
    assert resolved_refusal("no-such-host.invalid", 443) == "The host name could not be resolved."


def test_an_endpoint_into_a_private_network_cannot_be_created(make_endpoint):
    with pytest.raises(ValidationError) as refused:
        make_endpoint("https://169.254.169.254/latest/meta-data/")

    assert refused.value.message_dict == {"url": [PRIVATE]}


def test_an_alert_webhook_action_into_a_private_network_is_refused():
    from feedback.alerts.actions import _validate_url

    with pytest.raises(ValidationError) as refused:
        _validate_url("webhook", {"url": "https://10.1.2.3/alerts"})

    assert refused.value.messages == [f"Signed webhook: {PRIVATE}"]


def test_allowed_on_development_machines_and_in_the_tests(receiver):
    with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True):
        assert (host_refusal("127.0.0.1"), url_refusal(receiver.url)) == (None, None)
        status, error = post_once(receiver.url, b"{}", {"Content-Type": "application/json"})

    assert (status, error, len(receiver.requests)) == (200, "", 1)


def test_address_classification():
    assert [is_public_address(a) for a in ("8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8")] == [True] * 3
    assert [is_public_address(a) for a in ("10.0.0.1", "::", "fe80::1%eth0", "garbage")] == [False] * 4
