import hashlib
import hmac

import pytest

from webhooks.signing import sign, verify

SECRET = "whsec_test-secret"
BODY = b'{"id":7,"type":"response.finished","data":{"response":{"id":1}}}'
TS = 1_700_000_000


def test_the_signature_is_hmac_sha256_over_id_timestamp_and_body():
    expected = hmac.new(SECRET.encode(), b"7.1700000000." + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, 7, TS, BODY) == f"v1={expected}"


def test_a_signature_verifies_against_what_it_signed():
    assert verify(SECRET, "7", str(TS), BODY, sign(SECRET, 7, TS, BODY), now=TS + 10) is True


@pytest.mark.parametrize(
    ("secret", "delivery_id", "timestamp", "body"),
    [
        ("whsec_other", 7, TS, BODY),
        (SECRET, 8, TS, BODY),
        (SECRET, 7, TS + 1, BODY),
        (SECRET, 7, TS, BODY.replace(b"finished", b"created")),
        (SECRET, 7, TS, BODY + b" "),
    ],
    ids=["secret", "delivery-id", "timestamp", "body", "trailing-byte"],
)
def test_any_change_breaks_the_signature(secret, delivery_id, timestamp, body):
    signature = sign(SECRET, 7, TS, BODY)

    assert verify(secret, delivery_id, timestamp, body, signature, now=TS) is False


def test_an_old_timestamp_is_refused_even_with_a_valid_signature():
    signature = sign(SECRET, 7, TS, BODY)

    assert [
        verify(SECRET, 7, TS, BODY, signature, now=TS + 300),
        verify(SECRET, 7, TS, BODY, signature, now=TS + 301),
        verify(SECRET, 7, TS, BODY, signature, now=TS + 301, tolerance=None),
    ] == [True, False, True]


def test_one_matching_value_among_several_is_enough():
    header = f"v1={'0' * 64}, {sign(SECRET, 7, TS, BODY)}"

    assert verify(SECRET, 7, TS, BODY, header, now=TS) is True


@pytest.mark.parametrize("header", ["", "v1=", "garbage", "v0=" + "a" * 64])
def test_malformed_signatures_are_refused(header):
    assert verify(SECRET, 7, TS, BODY, header, now=TS) is False


def test_a_malformed_timestamp_is_refused():
    assert verify(SECRET, 7, "soon", BODY, sign(SECRET, 7, TS, BODY), now=TS) is False
