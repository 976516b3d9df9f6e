"""Failed logins: measure whether a known address answers slower than an unknown.

Recording ``LOGIN_FAILED`` must not tell known addresses from unknown ones. This
drives ``POST /api/v1/auth/token/`` with a wrong password, interleaving a known
and an unknown address, on the suite's real PostgreSQL and Redis, and prints the
median and spread of each and their difference. The test hasher is fast, so the
database work dominates: the setting in which a difference would show most.

    .venv/bin/python -m pytest bench/failed_login_timing.py \
        -p tests.services.plugin -s -q

(``ROUNDS=2000`` to change the number of attempts per address.)
"""

import os
import statistics
import time

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROUNDS = int(os.environ.get("ROUNDS", "600"))


@pytest.mark.django_db(transaction=True)
def test_failed_login_timing_known_vs_unknown(settings):
    settings.RATELIMIT_ENABLE = False
    known = UserFactory().email
    unknown = "nobody-here@example.com"
    api = APIClient()
    timings: dict[str, list[float]] = {known: [], unknown: []}
    for i in range(ROUNDS * 2):
        email = (known, unknown)[(i + i // 2) % 2]  # ABBA order: no drift bias
        start = time.perf_counter()
        response = api.post(
            "/api/v1/auth/token/",
            {"email": email, "password": "wrong-1"},
            format="json",
        )
        timings[email].append(time.perf_counter() - start)
        if response.status_code != 401:
            raise RuntimeError(f"unexpected answer {response.status_code}")
    for label, email in (("known", known), ("unknown", unknown)):
        samples = sorted(timings[email][20:])  # drop warm-up
        q1, med, q3 = statistics.quantiles(samples, n=4)
        spread = f"IQR {q1 * 1e3:.3f}-{q3 * 1e3:.3f} ms"
        print(f"{label:8} median {med * 1e3:7.3f} ms  {spread}")
    diff = statistics.median(timings[known][20:]) - statistics.median(
        timings[unknown][20:]
    )
    print(
        f"median difference (known - unknown): {diff * 1e6:+.1f} µs over {ROUNDS} each"
    )
