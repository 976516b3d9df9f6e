"""``make bench``: the project and its peers on the same stack, side by side.

Starts PostgreSQL and Redis on loopback (the test suite's own servers), migrates
and seeds one database per app, serves every app with ``docker/gunicorn.conf.py``
(2 sync workers unless ``--workers``), then runs wrk against each scenario in
interleaved rounds (every app once per round, so a noisy neighbour on this shared
machine hits all of them alike) and prints one table: median req/s, p50, p99 and
the ratio to the reference of the same round. Nothing here asserts a timing.

The apps: this project (production settings, rate limits ON with budgets no run
reaches), the reference view (PyJWT decode + one query by pk), djoser + simplejwt
and stock graphene-django + django-graphql-jwt (``bench/peers/``). Logins are
compared with the hash limit: as many in-process password checks in parallel as
there are workers, with the project's own Argon2 parameters (which the peers use
too).

``--project DIR`` benchmarks another checkout of the project (e.g. a worktree at
an older commit) with this harness, for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from tests.services.servers import (  # noqa: E402
    PostgresServer,
    RedisServer,
    free_port,
)

BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-" + "b" * 48
SCRIPT = BENCH / "scripts" / "request.lua"
#: Refresh tokens are single-use: each run of a refresh row gets its own pool,
#: sized for this many requests per second.
REFRESH_CAPACITY_PER_SECOND = 1200
#: Every budget is counted (limits on) but none is reached by a run.
UNREACHED_BUDGETS = {
    "general": ["100000000/m user", "100000000/m ip"],
    "login": ["100000000/m ip", "100000000/m email"],
    "refresh": ["100000000/m ip"],
}
ME_DOC = "{ me { id email name } }"
STAFF_DOC = "{ users(first: 20) { edges { node { id email } } } }"


@dataclass
class App:
    name: str
    wsgi: str
    settings: str
    chdir: Path
    database: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    tokens: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@dataclass
class Row:
    group: str
    label: str
    app: App | None
    path: str = ""
    method: str = "GET"
    body: str | None = None
    token: str | None = None  # "access" or "staff_access"
    refresh_pool: list[str] | None = None
    reference: bool = False
    runs: list[dict] = field(default_factory=list)


def _graphql(query: str, variables: dict | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def _refresh_template(kind: str) -> str:
    if kind == "rest":
        return '{"refresh": "%s"}'
    if kind == "graphql":
        return _graphql(
            "mutation($r: String!) { refreshToken(refreshToken: $r) { refreshToken } }",
            {"r": "TOKEN"},
        ).replace("TOKEN", "%s")
    return _graphql(
        "mutation($t: String!) { refreshToken(token: $t) { token } }", {"t": "TOKEN"}
    ).replace("TOKEN", "%s")


# --- processes ----------------------------------------------------------------


def _run(args: list[str], *, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _app_env(app: App, base_env: dict[str, str]) -> dict[str, str]:
    return {**base_env, **app.env, "DJANGO_SETTINGS_MODULE": app.settings}


def _manage(app: App, base_env: dict[str, str], project: Path, *args: str) -> str:
    manage = BENCH / "peers" / "manage.py"
    if app.name == "project":
        manage = project / "manage.py"
    return _run(
        [sys.executable, str(manage), *args], env=_app_env(app, base_env), cwd=app.chdir
    )


def _start(app: App, base_env: dict[str, str], project: Path, workers: int) -> None:
    env = _app_env(app, base_env)
    env.update(
        {
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    app.process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(project / "docker" / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{app.port}",
            "--chdir",
            str(app.chdir),
            app.wsgi,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(BENCH / f".{app.name}.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )


def _wait_ready(app: App, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{app.base}/healthz/", timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer: the app serves
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{app.name} did not start; see bench/.{app.name}.log")


def _stop(app: App) -> None:
    if app.process and app.process.poll() is None:
        os.killpg(app.process.pid, signal.SIGTERM)
        try:
            app.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(app.process.pid, signal.SIGKILL)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- wrk ----------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict:
    """Read req/s, p50, p99, errors and bad answers from ``wrk --latency``."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    bad = re.search(r"BENCH_BAD (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "p50": p50,
        "p99": p99,
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def run_wrk(row: Row, args, seconds: float, pool_file: Path | None) -> dict:
    assert row.app is not None
    env = {
        **os.environ,
        "BENCH_METHOD": row.method,
        "BENCH_THREADS": str(args.threads),
        "BENCH_TOKEN": row.app.tokens[row.token] if row.token else "",
        "BENCH_TOKENS_FILE": str(pool_file) if pool_file else "",
    }
    if row.body is not None:
        env["BENCH_BODY"] = row.body
    output = _run(
        [
            "wrk",
            "-t",
            str(args.threads),
            "-c",
            str(args.connections),
            "-d",
            f"{int(seconds)}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            row.app.base + row.path,
        ],
        env=env,
        cwd=BENCH,
    )
    return parse_wrk(output)


def _pool_file(row: Row, run: int, size: int, workdir: Path) -> Path | None:
    if row.refresh_pool is None:
        return None
    start = run * size
    tokens = row.refresh_pool[start : start + size] or row.refresh_pool[-1:]
    path = workdir / f"pool-{abs(hash(row.label))}-{run}.txt"
    path.write_text("\n".join(tokens) + "\n")
    return path


def _hash_limit(base_env: dict[str, str], project: App, workers: int, seconds: float):
    env = {**_app_env(project, base_env), "BENCH_PROJECT_ROOT": str(project.chdir)}
    out = _run(
        [
            sys.executable,
            str(BENCH / "hashlimit.py"),
            "--workers",
            str(workers),
            "--seconds",
            str(seconds),
        ],
        env=env,
        cwd=project.chdir,
    )
    return {"rate": float(out.strip()), "p50": 0.0, "p99": 0.0, "bad": 0}


# --- the run ------------------------------------------------------------------


@contextmanager
def services() -> Iterator[tuple[PostgresServer, RedisServer]]:
    postgres, redis = PostgresServer(), RedisServer()
    try:
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.stop()


def _create_databases(postgres: PostgresServer, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(postgres.url.replace("postgres://", "postgresql://"),
                         autocommit=True) as conn:  # fmt: skip
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')  # names are ours, not input


def _apps(project: Path, pg_base: str) -> dict[str, App]:
    return {
        "project": App(
            "project", "core.wsgi:application", "core.settings.production",
            project, f"{pg_base}/accounts",
        ),
        "reference": App(
            "reference", "peers.reference.wsgi:application",
            "peers.reference.settings", BENCH, f"{pg_base}/accounts",
        ),
        "djoser": App(
            "djoser", "peers.djoser_peer.wsgi:application",
            "peers.djoser_peer.settings", BENCH, f"{pg_base}/peer_djoser",
        ),
        "graphene": App(
            "graphene", "peers.graphene_peer.wsgi:application",
            "peers.graphene_peer.settings", BENCH, f"{pg_base}/peer_graphene",
        ),
    }  # fmt: skip


def _rows(apps: dict[str, App], staff_suffix: str) -> list[Row]:
    p, r, d, g = apps["project"], apps["reference"], apps["djoser"], apps["graphene"]
    login_rest = json.dumps({"email": "bench@example.com", "password": _password()})
    login_user = json.dumps({"username": "bench@example.com", "password": _password()})
    me = [
        Row(
            "me",
            "reference: PyJWT decode + 1 query by pk",
            r,
            "/me/",
            token="access",
            reference=True,
        ),
        Row("me", "bare JSON view (no auth, no DB)", r, "/bare/"),
        Row(
            "me",
            "djoser + simplejwt GET /auth/users/me/",
            d,
            "/auth/users/me/",
            token="access",
        ),
        Row(
            "me",
            "graphene-django + graphql-jwt { me { id email } }",
            g,
            "/graphql/",
            "POST",
            _graphql("{ me { id email } }"),
            "access",
        ),
        Row(
            "me",
            "project REST GET /api/v1/users/me/",
            p,
            "/api/v1/users/me/",
            token="access",
        ),
        Row(
            "me",
            "project GraphQL { me { id email name } }",
            p,
            "/graphql/",
            "POST",
            _graphql(ME_DOC),
            "access",
        ),
    ]
    patch = [
        Row(
            "patch",
            "djoser PATCH /auth/users/me/",
            d,
            "/auth/users/me/",
            "PATCH",
            json.dumps({"email": "bench@example.com"}),
            "access",
        ),
        Row(
            "patch",
            "graphene updateProfile(firstName)",
            g,
            "/graphql/",
            "POST",
            _graphql('mutation { updateProfile(firstName: "b") { user { id } } }'),
            "access",
        ),
        Row(
            "patch",
            "project REST PATCH /api/v1/users/me/",
            p,
            "/api/v1/users/me/",
            "PATCH",
            json.dumps({"bio": "bench"}),
            "access",
        ),
        Row(
            "patch",
            "project GraphQL updateProfile(input: {bio})",
            p,
            "/graphql/",
            "POST",
            _graphql(
                'mutation { updateProfile(input: {bio: "bench"}) '
                "{ user { id } errors { code } } }"
            ),
            "access",
        ),
    ]
    login = [
        Row(
            "login",
            "hash limit (in-process checks, one per worker)",
            None,
            reference=True,
        ),
        Row(
            "login",
            "djoser POST /auth/jwt/create/",
            d,
            "/auth/jwt/create/",
            "POST",
            login_user,
        ),
        Row(
            "login",
            "graphene tokenAuth",
            g,
            "/graphql/",
            "POST",
            _graphql(
                "mutation($u: String!, $p: String!) "
                "{ tokenAuth(username: $u, password: $p) { token } }",
                {"u": "bench@example.com", "p": _password()},
            ),
        ),
        Row(
            "login",
            "project REST POST /api/v1/auth/token/",
            p,
            "/api/v1/auth/token/",
            "POST",
            login_rest,
        ),
        Row(
            "login",
            "project GraphQL tokenAuth",
            p,
            "/graphql/",
            "POST",
            _graphql(
                "mutation($e: String!, $p: String!) "
                "{ tokenAuth(email: $e, password: $p) { token } }",
                {"e": "bench@example.com", "p": _password()},
            ),
        ),
    ]
    refresh = [
        Row(
            "refresh",
            "djoser POST /auth/jwt/refresh/ (rotate + blacklist)",
            d,
            "/auth/jwt/refresh/",
            "POST",
            _refresh_template("rest"),
            refresh_pool=d.tokens["refresh"],
        ),
        Row(
            "refresh",
            "graphene refreshToken (stateless)",
            g,
            "/graphql/",
            "POST",
            _refresh_template("graphene"),
            refresh_pool=g.tokens["refresh"],
        ),
        Row(
            "refresh",
            "project REST POST /api/v1/auth/token/refresh/",
            p,
            "/api/v1/auth/token/refresh/",
            "POST",
            _refresh_template("rest"),
            refresh_pool=p.tokens["refresh"][0::2],
        ),
        Row(
            "refresh",
            "project GraphQL refreshToken",
            p,
            "/graphql/",
            "POST",
            _refresh_template("graphql"),
            refresh_pool=p.tokens["refresh"][1::2],
        ),
    ]
    return [*me, *patch, *login, *refresh, *_staff_rows(apps, staff_suffix)]


def _staff_rows(apps: dict[str, App], suffix: str) -> list[Row]:
    p, r, d, g = apps["project"], apps["reference"], apps["djoser"], apps["graphene"]
    group = f"staff list {suffix}"
    return [
        Row(group, "reference: PyJWT decode + 1 query by pk", r, "/me/",
            token="access", reference=True),
        Row(group, "djoser GET /auth/users/ (page-number pagination)", d,
            "/auth/users/", token="staff_access"),
        Row(group, "graphene users(first: 20) connection", g, "/graphql/", "POST",
            _graphql(STAFF_DOC), "staff_access"),
        Row(group, "project REST GET /api/v1/users/", p, "/api/v1/users/",
            token="staff_access"),
        Row(group, "project GraphQL users(first: 20)", p, "/graphql/", "POST",
            _graphql(STAFF_DOC), "staff_access"),
    ]  # fmt: skip


def _password() -> str:
    sys.path.insert(0, str(BENCH))
    from seeding import PASSWORD

    return PASSWORD


def _seed(apps, base_env, project_dir, users, refresh_tokens, workdir) -> None:
    kinds = {"project": "project", "djoser": "djoser", "graphene": "graphene"}
    for name, kind in kinds.items():
        app = apps[name]
        out = workdir / f"tokens-{name}.json"
        count = refresh_tokens * (2 if name == "project" else 1)
        _run(
            [
                sys.executable,
                str(BENCH / "seeding.py"),
                kind,
                "--users",
                str(users),
                "--refresh-tokens",
                str(count),
                "--out",
                str(out),
            ],
            env={**_app_env(app, base_env), "BENCH_PROJECT_ROOT": str(project_dir)},
            cwd=app.chdir,
        )
        app.tokens = json.loads(out.read_text())
    apps["reference"].tokens = apps["project"].tokens


def _top_up(apps, base_env, project_dir, users) -> None:
    for name in ("project", "djoser", "graphene"):
        app = apps[name]
        _run(
            [sys.executable, str(BENCH / "seeding.py"), name, "--users", str(users)],
            env={**_app_env(app, base_env), "BENCH_PROJECT_ROOT": str(project_dir)},
            cwd=app.chdir,
        )


def _measure(rows, args, base_env, apps, workdir, run_index, seconds) -> None:
    pool_size = int(seconds * REFRESH_CAPACITY_PER_SECOND)
    for row in rows:
        # A login waits about a second behind the others: short rows would
        # count a handful of answers (or none), so logins get longer rows.
        row_seconds = seconds
        if row.group == "login" and run_index > 0:
            row_seconds = max(seconds, args.login_seconds)
        if row.app is None:
            result = _hash_limit(base_env, apps["project"], args.workers, row_seconds)
        else:
            pool = _pool_file(row, run_index, pool_size, workdir)
            result = run_wrk(row, args, row_seconds, pool)
        if run_index > 0:  # run 0 is the warm-up
            row.runs.append(result)
        print(
            f"  [{run_index}] {row.group:<16} {row.label:<58} "
            f"{result['rate']:>8.1f}/s p50 {result['p50']:6.1f} "
            f"p99 {result['p99']:7.1f} bad {result['bad']}",
            file=sys.stderr,
            flush=True,
        )


def _table(rows: list[Row]) -> str:
    lines = [
        "| scenario | app | req/s | p50 / p99 ms | vs reference | bad answers |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    me_reference = next(r for r in rows if r.reference and r.group == "me")
    for group, members in groups.items():
        # Each group's own reference (staff lists, login), else the ``me`` one
        # measured in the same round.
        reference = next((r for r in members if r.reference), me_reference)
        for row in members:
            ratios = [
                run["rate"] / ref["rate"]
                for run, ref in zip(row.runs, reference.runs, strict=True)
                if ref["rate"]
            ]
            rate = statistics.median(r["rate"] for r in row.runs)
            p50 = statistics.median(r["p50"] for r in row.runs)
            p99 = statistics.median(r["p99"] for r in row.runs)
            latency = f"{p50:.1f} / {p99:.1f}" if row.app else "—"
            label = f"**{row.label}**" if row.label.startswith("project") else row.label
            lines.append(
                f"| {group} | {label} | {rate:.1f} | {latency} | "
                f"{statistics.median(ratios):.2f} | {sum(r['bad'] for r in row.runs)} |"
            )
    return "\n".join(lines)


def _machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument(
        "--login-seconds", type=int, default=10, help="at least this long for logins"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--big", type=int, default=50_000)
    parser.add_argument("--only", default="", help="run the groups containing this")
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=BENCH / "last-run.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    project_dir = args.project.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="accounts-bench-"))
    with services() as (postgres, redis):
        pg_base = postgres.url.rsplit("/", 1)[0]
        apps = _apps(project_dir, pg_base)
        _create_databases(postgres, ["accounts", "peer_djoser", "peer_graphene"])
        base_env = {
            **os.environ,
            "SECRET_KEY": SECRET,
            "JWT_SIGNING_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REDIS_URL": redis.url,
            "SECURE_SSL_REDIRECT": "false",
            "JWT_ACCESS_TOKEN_LIFETIME": "7200",
            "RATE_LIMITS": json.dumps(UNREACHED_BUDGETS),
            "MFA_REQUIRED_FOR_STAFF": "false",
            "PYTHONPATH": os.pathsep.join([str(project_dir), str(BENCH)]),
            "LOG_LEVEL": "WARNING",
        }
        for app in apps.values():
            app.env["DATABASE_URL"] = app.database
        argon = _run(
            [sys.executable, "-c", "import django; django.setup(); "
             "from django.contrib.auth.hashers import get_hasher; h = get_hasher(); "
             "print(h.time_cost, h.memory_cost, h.parallelism)"],
            env=_app_env(apps["project"], base_env), cwd=project_dir,
        ).split()  # fmt: skip
        base_env.update(
            {
                "BENCH_ARGON2_TIME_COST": argon[0],
                "BENCH_ARGON2_MEMORY_COST": argon[1],
                "BENCH_ARGON2_PARALLELISM": argon[2],
            }
        )
        for name in ("project", "djoser", "graphene"):
            _manage(apps[name], base_env, project_dir, "migrate", "--noinput", "-v0")
        # Only the refresh rows spend refresh tokens.
        refresh_tokens = (
            int(args.seconds * REFRESH_CAPACITY_PER_SECOND * (args.rounds + 1))
            if args.only in "refresh"
            else 0
        )
        print("seeding ...", file=sys.stderr, flush=True)
        _seed(apps, base_env, project_dir, args.users, refresh_tokens, workdir)
        try:
            for app in apps.values():
                _start(app, base_env, project_dir, args.workers)
            for app in apps.values():
                _wait_ready(app)
            rows = [
                row
                for row in _rows(apps, f"@{args.users // 1000}k")
                if args.only in row.group or (row.reference and row.group == "me")
            ]
            _measure(rows, args, base_env, apps, workdir, 0, 2)
            time.sleep(3)  # as below: no login in flight while sampling
            rss_warm = {n: [_rss_mib(p) for p in a.workers()] for n, a in apps.items()}
            for run_index in range(1, args.rounds + 1):
                _measure(rows, args, base_env, apps, workdir, run_index, args.seconds)
            big_rows = []
            if args.only in "staff list":
                print(f"seeding {args.big} users ...", file=sys.stderr, flush=True)
                _top_up(apps, base_env, project_dir, args.big)
                big_rows = _staff_rows(apps, f"@{args.big // 1000}k")
                _measure(big_rows, args, base_env, apps, workdir, 0, 2)
                for run_index in range(1, args.rounds + 1):
                    _measure(
                        big_rows, args, base_env, apps, workdir, run_index, args.seconds
                    )
            # Let in-flight requests (a login holds 64 MiB while it hashes) end.
            time.sleep(3)
            rss_end = {n: [_rss_mib(p) for p in a.workers()] for n, a in apps.items()}
        finally:
            for app in apps.values():
                _stop(app)
    shutil.rmtree(workdir, ignore_errors=True)
    memory = "\n".join(
        f"| {name} | {', '.join(f'{v:.0f}' for v in rss_warm[name])} | "
        f"{', '.join(f'{v:.0f}' for v in rss_end[name])} |"
        for name in apps
    )
    report = (
        f"Machine: {_machine()}. gunicorn `docker/gunicorn.conf.py`, "
        f"{args.workers} sync workers per app; wrk {args.threads} threads, "
        f"{args.connections} connections, {args.rounds} interleaved rounds of "
        f"{args.seconds:g} s (logins {max(args.seconds, args.login_seconds)} s; "
        f"medians); Argon2 t={argon[0]} m={argon[1]} KiB "
        f"p={argon[2]}.\n\n{_table(rows + big_rows)}\n\n"
        "| app | RSS per worker after warm-up (MiB) | at the end (MiB) |\n"
        f"| --- | --- | --- |\n{memory}\n"
    )
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
