"""Bucket keys are memoised per process; settings still decide every key."""

from users import ratelimits
from users.meta import RequestMeta


def _key(address: str, subject: str | None = None, kind: str = "ip") -> str | None:
    bucket = ratelimits.Bucket(rate="5/m", kind=kind, limit=5, period=60)
    meta = RequestMeta(ip_address=address, user_agent="t")
    return ratelimits.bucket_key(
        "login", bucket, meta=meta, subject=subject, prefix="p"
    )


def test_a_rotated_secret_key_changes_every_key(settings):
    before = _key("198.51.100.7"), _key("198.51.100.7", "7", kind="user")

    settings.SECRET_KEY = "another-secret-" + "r" * 50

    after = _key("198.51.100.7"), _key("198.51.100.7", "7", kind="user")
    assert before[0] != after[0]
    assert before[1] != after[1]


def test_changing_the_ipv4_mask_regroups_addresses_at_once(settings):
    settings.RATELIMIT_IPV4_MASK = 32
    assert _key("198.51.100.7") != _key("198.51.100.8")

    settings.RATELIMIT_IPV4_MASK = 24

    assert _key("198.51.100.7") == _key("198.51.100.8")
    assert _key("198.51.100.7") != _key("198.51.101.7")


def test_the_memo_is_bounded():
    for n in range(ratelimits._KEY_CACHE_SIZE + 100):
        _key(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
    assert ratelimits._network_key.cache_info().currsize <= ratelimits._KEY_CACHE_SIZE
    assert ratelimits._keyed_digest.cache_info().currsize <= ratelimits._KEY_CACHE_SIZE
