"""The typed environment readers: defaults, parsing, and errors that name the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str, env_url

NAME = "CX_TEST_SETTING"


@pytest.fixture(autouse=True)
def _unset(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)


def test_a_missing_variable_gives_the_default():
    assert env_str(NAME, "fallback") == "fallback"
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_list(NAME, ["a"]) == ["a"]
    assert env_url(NAME, "redis://localhost:6379/0") == "redis://localhost:6379/0"


def test_a_missing_required_variable_stops_with_its_name():
    with pytest.raises(
        ImproperlyConfigured, match=rf"^Environment variable {NAME} is required but not set\.$"
    ):
        env_str(NAME)


@pytest.mark.parametrize("raw", ["", "   "])
def test_a_required_variable_set_to_nothing_stops_with_its_name(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(
        ImproperlyConfigured, match=rf"^Environment variable {NAME} is required but set to an empty value\.$"
    ):
        env_str(NAME)


def test_str_strips_surrounding_whitespace(monkeypatch):
    monkeypatch.setenv(NAME, "  value with spaces  ")

    assert env_str(NAME, "default") == "value with spaces"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        (" True ", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv(NAME, raw)

    assert env_bool(NAME, not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_bool_rejects_anything_else_naming_the_variable_and_value(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured) as caught:
        env_bool(NAME, False)

    assert str(caught.value) == (
        f"Environment variable {NAME} has a malformed value: "
        f"expected one of true/false/1/0/yes/no/on/off, got {raw!r}"
    )


def test_int_parses_whole_numbers_within_bounds(monkeypatch):
    monkeypatch.setenv(NAME, " 42 ")

    assert env_int(NAME, 0, minimum=0, maximum=42) == 42


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "expected a whole number, got 'abc'"),
        ("1.5", "expected a whole number, got '1.5'"),
        ("-5", "must be at least 0, got -5"),
        ("101", "must be at most 100, got 101"),
    ],
)
def test_int_rejects_malformed_or_out_of_range_values(monkeypatch, raw, reason):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured) as caught:
        env_int(NAME, 0, minimum=0, maximum=100)

    assert str(caught.value) == f"Environment variable {NAME} has a malformed value: {reason}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a.example.com,b.example.com", ["a.example.com", "b.example.com"]),
        (" a.example.com , , b.example.com ,", ["a.example.com", "b.example.com"]),
        ("", []),
    ],
)
def test_list_splits_on_commas_and_drops_empty_items(monkeypatch, raw, expected):
    monkeypatch.setenv(NAME, raw)

    assert env_list(NAME, ["default"]) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "postgres://cx:secret@db.internal:5432/cxplatform",
        "redis://127.0.0.1:6379/0",
        "console://",
        "file:///var/mail",
    ],
)
def test_url_accepts_well_formed_urls(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    assert env_url(NAME) == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("notaurl", "expected a URL such as scheme://host:port/path, got 'notaurl'"),
        ("redis://", "expected a URL such as scheme://host:port/path, got 'redis://'"),
        ("http://cache:6379/0", "scheme must be one of redis, rediss, got 'http'"),
        ("redis://cache:port/0", "Port could not be cast to integer value as 'port'"),
    ],
)
def test_url_rejects_malformed_urls_and_wrong_schemes(monkeypatch, raw, reason):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured) as caught:
        env_url(NAME, schemes=("redis", "rediss"))

    assert str(caught.value) == f"Environment variable {NAME} has a malformed value: {reason}"
