"""What one password check costs: wall and CPU time, and the memory it takes.

``python bench/hashcost.py`` (inside the project's settings) compares the
project's hasher (``users.hashers``) with Django's stock Argon2 parameters: for
each, the median wall and CPU time of one check (of a few) and how far the
process's peak resident memory (``VmHWM``) rises during the first check. That
rise is what every gunicorn worker gains while it serves a login. Nothing here
asserts: it prints figures for ``bench/README.md``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_PROJECT_ROOT") or Path(__file__).parent.parent)
HASHERS = {
    "project (users.hashers)": "users.hashers.ProjectArgon2PasswordHasher",
    "Django stock Argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
}


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _measure(dotted: str, checks: int, answer) -> None:
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    import django

    django.setup()
    from django.utils.module_loading import import_string
    from seeding import PASSWORD

    hasher = import_string(dotted)()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    # A fresh process for the peak: the encode above already raised it once,
    # so start counting from a reset high-water mark.
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS
    before = _status_kib("VmHWM")
    walls, cpus = [], []
    for _ in range(checks):
        wall, cpu = time.perf_counter(), time.process_time()
        if not hasher.verify(PASSWORD, encoded):
            raise RuntimeError("the hash does not verify")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    answer.put(
        {
            "params": f"t={hasher.time_cost} m={hasher.memory_cost // 1024} MiB "
            f"p={hasher.parallelism}",
            "wall_ms": statistics.median(walls) * 1000,
            "cpu_ms": statistics.median(cpus) * 1000,
            "peak_growth_mib": (_status_kib("VmHWM") - before) / 1024,
            "rss_after_mib": _status_kib("VmRSS") / 1024,
        }
    )


def main() -> None:
    checks = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    results = {}
    for label, dotted in HASHERS.items():
        answer: multiprocessing.Queue = multiprocessing.Queue()
        proc = multiprocessing.Process(target=_measure, args=(dotted, checks, answer))
        proc.start()
        results[label] = answer.get()
        proc.join()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| hasher | parameters | one check: wall / CPU ms | peak RSS growth MiB |")
    print("| --- | --- | --- | --- |")
    for label, r in results.items():
        print(
            f"| {label} | {r['params']} | {r['wall_ms']:.0f} / {r['cpu_ms']:.0f} | "
            f"{r['peak_growth_mib']:.0f} |"
        )
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
