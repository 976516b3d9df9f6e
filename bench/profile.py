"""Where a hot path spends its time: pyinstrument over in-process requests.

``bench/.venv/bin/python bench/profile.py [me-rest|me-graphql|staff-rest|...]``
starts the same PostgreSQL and Redis as ``run.py``, seeds the project under its
production settings, then sends N requests through Django's full handler stack
(middleware, URL resolution, views, database, Redis; no HTTP server) and prints
pyinstrument's call tree for each scenario, so a change starts from a profile.
``--cpu [cumulative|tottime]`` uses cProfile on CPU time instead (steadier on
a busy machine; waits on the network do not show). For a profile of a live
gunicorn worker under wrk, use py-spy (also in the bench
venv): ``py-spy record -p <worker pid> -o profile.svg``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402

SCENARIOS = {
    "me-rest": ("GET", "/api/v1/users/me/", None, "access"),
    "me-graphql": ("POST", "/graphql/", run._graphql(run.ME_DOC), "access"),
    "patch-rest": ("PATCH", "/api/v1/users/me/", '{"bio": "x"}', "access"),
    "staff-rest": ("GET", "/api/v1/users/", None, "staff_access"),
    "staff-graphql": ("POST", "/graphql/", run._graphql(run.STAFF_DOC), "staff_access"),
}

_CHILD = """
import json, os, sys
import django
django.setup()
from django.test import Client
from pyinstrument import Profiler

tokens = json.loads(open(os.environ["BENCH_TOKENS"]).read())
method, path, body, token = json.loads(os.environ["BENCH_SCENARIO"])
count = int(os.environ["BENCH_COUNT"])
client = Client(HTTP_AUTHORIZATION="Bearer " + tokens[token], HTTP_HOST="127.0.0.1")

def once():
    response = client.generic(method, path, body or "", content_type="application/json")
    assert response.status_code == 200, response.content[:300]

for _ in range(50):
    once()
if os.environ.get("BENCH_CPU"):
    # CPU time, not wall time: on a shared, busy machine waiting for a core
    # otherwise swamps the picture (waits on PostgreSQL/Redis vanish too).
    import cProfile, pstats, time
    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for _ in range(count):
        once()
    profiler.disable()
    spent = time.process_time() - started
    print(f"CPU per request (under cProfile): {spent / count * 1e6:.0f} us")
    stats = pstats.Stats(profiler).sort_stats(os.environ["BENCH_CPU"])
    stats.print_stats(int(os.environ.get("BENCH_CPU_LINES", "45")))
else:
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(count):
        once()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--cpu",
        nargs="?",
        const="cumulative",
        default="",
        help="cProfile on CPU time instead, sorted by this (cumulative, tottime)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="accounts-profile-"))
    with run.services() as (postgres, redis):
        pg_base = postgres.url.rsplit("/", 1)[0]
        apps = run._apps(run.ROOT, pg_base)
        project = apps["project"]
        project.env["DATABASE_URL"] = project.database
        run._create_databases(postgres, ["accounts"])
        env = {
            **os.environ,
            "SECRET_KEY": run.SECRET,
            "JWT_SIGNING_KEY": run.SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "REDIS_URL": redis.url,
            "SECURE_SSL_REDIRECT": "false",
            "JWT_ACCESS_TOKEN_LIFETIME": "7200",
            "RATE_LIMITS": json.dumps(run.UNREACHED_BUDGETS),
            "MFA_REQUIRED_FOR_STAFF": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(run.ROOT),
        }
        run._manage(project, env, run.ROOT, "migrate", "--noinput", "-v0")
        out = workdir / "tokens.json"
        run._run(
            [
                sys.executable,
                str(BENCH / "seeding.py"),
                "project",
                "--users",
                str(args.users),
                "--out",
                str(out),
            ],
            env=run._app_env(project, env),
            cwd=run.ROOT,
        )
        for name in args.scenarios:
            child_env = {
                **run._app_env(project, env),
                "BENCH_TOKENS": str(out),
                "BENCH_SCENARIO": json.dumps(SCENARIOS[name]),
                "BENCH_COUNT": str(args.requests),
                "BENCH_CPU": args.cpu,
            }
            print(f"===== {name}: {args.requests} requests", flush=True)
            subprocess.run(
                [sys.executable, "-c", _CHILD], env=child_env, cwd=run.ROOT, check=True
            )


if __name__ == "__main__":
    main()
