"""The login ceiling: password checks per second with N checks in parallel.

``python bench/hashlimit.py --workers N --seconds S`` (inside the project's
settings) runs N processes that each verify the seeded password against a hash
made with the project's own hasher for S seconds, and prints the total rate. No
HTTP, no database: what the machine can do at all, which a login can approach
but never beat.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

#: The checkout under test (``run.py --project``), this one by default.
ROOT = Path(os.environ.get("BENCH_PROJECT_ROOT") or Path(__file__).parent.parent)


def _checks(encoded: str, password: str, seconds: float, answer) -> None:
    from django.contrib.auth.hashers import check_password

    started = time.monotonic()
    deadline = started + seconds
    done = 0
    while time.monotonic() < deadline:
        if not check_password(password, encoded):
            raise RuntimeError("the hash does not verify")
        done += 1
    answer.put(done / (time.monotonic() - started))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from seeding import PASSWORD

    encoded = make_password(PASSWORD)
    answer: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_checks, args=(encoded, PASSWORD, args.seconds, answer)
        )
        for _ in range(args.workers)
    ]
    for proc in procs:
        proc.start()
    rate = sum(answer.get() for _ in procs)
    for proc in procs:
        proc.join()
    print(f"{rate:.2f}")


if __name__ == "__main__":
    main()
