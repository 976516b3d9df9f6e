import pytest
from django.test import RequestFactory

from core.client_ip import client_ip, parse_ip, request_meta

REMOTE = "10.0.0.5"


def make_request(forwarded=None, remote=REMOTE, **extra):
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(settings):
    settings.NUM_TRUSTED_PROXIES = 0

    assert client_ip(make_request("1.2.3.4")) == REMOTE


def test_without_trusted_proxies_remote_addr_is_used(settings):
    settings.NUM_TRUSTED_PROXIES = 0

    assert client_ip(make_request()) == REMOTE


def test_one_trusted_proxy_uses_the_rightmost_entry(settings):
    settings.NUM_TRUSTED_PROXIES = 1

    assert client_ip(make_request("203.0.113.7")) == "203.0.113.7"


def test_one_trusted_proxy_ignores_spoofed_entries_on_the_left(settings):
    settings.NUM_TRUSTED_PROXIES = 1

    request = make_request("1.1.1.1, 8.8.8.8, 203.0.113.7")

    assert client_ip(request) == "203.0.113.7"


def test_two_trusted_proxies_use_the_second_entry_from_the_right(settings):
    settings.NUM_TRUSTED_PROXIES = 2

    request = make_request("1.1.1.1, 203.0.113.7, 192.0.2.10")

    assert client_ip(request) == "203.0.113.7"


def test_fewer_entries_than_trusted_proxies_falls_back_to_remote_addr(settings):
    settings.NUM_TRUSTED_PROXIES = 2

    assert client_ip(make_request("203.0.113.7")) == REMOTE


def test_missing_header_with_a_trusted_proxy_falls_back_to_remote_addr(settings):
    settings.NUM_TRUSTED_PROXIES = 1

    assert client_ip(make_request()) == REMOTE


@pytest.mark.parametrize(
    "forwarded",
    ["not-an-ip", "1.2.3.4, garbage", "unknown", "999.1.1.1", "1.2.3.4, ", "<script>"],
)
def test_malformed_forwarded_for_falls_back_to_remote_addr(settings, forwarded):
    settings.NUM_TRUSTED_PROXIES = 1

    assert client_ip(make_request(forwarded)) == REMOTE


def test_malformed_entry_does_not_fall_through_to_a_spoofed_neighbour(settings):
    settings.NUM_TRUSTED_PROXIES = 1

    assert client_ip(make_request("6.6.6.6, bogus")) == REMOTE


def test_ipv6_forwarded_entry_is_used(settings):
    settings.NUM_TRUSTED_PROXIES = 1

    assert client_ip(make_request("1.1.1.1, 2001:DB8::1")) == "2001:db8::1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
    ],
)
def test_proxy_spellings_are_normalised(raw, expected):
    assert parse_ip(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "1.2.3", "2001:db8::1::443", "1.2.3.4:99999", "[::1", None, "a" * 100]
)
def test_non_addresses_parse_to_none(raw):
    assert parse_ip(raw) is None


def test_ipv6_remote_addr_is_used(settings):
    settings.NUM_TRUSTED_PROXIES = 0

    assert client_ip(make_request(remote="2001:db8::7")) == "2001:db8::7"


def test_ipv4_mapped_remote_addr_is_reported_as_ipv4(settings):
    settings.NUM_TRUSTED_PROXIES = 0

    assert client_ip(make_request(remote="::ffff:10.0.0.5")) == REMOTE


def test_invalid_remote_addr_gives_no_address(settings):
    settings.NUM_TRUSTED_PROXIES = 0

    assert client_ip(make_request(remote="")) is None


def test_request_meta_carries_address_and_truncated_user_agent(settings):
    settings.NUM_TRUSTED_PROXIES = 1
    request = make_request("203.0.113.7", HTTP_USER_AGENT="x" * 600)

    meta = request_meta(request)

    assert meta.ip_address == "203.0.113.7"
    assert meta.user_agent == "x" * 512


def test_request_meta_strips_control_characters_from_the_user_agent():
    request = make_request(HTTP_USER_AGENT="agent\x00/1.0\r\nforged: yes")

    assert request_meta(request).user_agent == "agent/1.0forged: yes"


def test_request_meta_without_user_agent_is_empty():
    assert request_meta(make_request()).user_agent == ""
