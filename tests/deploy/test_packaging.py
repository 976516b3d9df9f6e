"""Checks of the deployment files that need no Docker engine.

The image, the compose stack and the CI job cannot be run here, so every promise
they make is checked some other way: the compose file and the Dockerfile are
parsed and held to the rules below; the shell scripts, the gunicorn settings, the
image's health probe and the nginx template are executed natively (nginx and
gunicorn for real, on loopback) against a small stand-in WSGI app.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.services.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
GUNICORN_CONF = DOCKER / "gunicorn.conf.py"
NGINX_TEMPLATE = DOCKER / "nginx" / "default.conf.template"
SCRIPTS = ["entrypoint.sh", "start-web.sh", "start-worker.sh", "start-beat.sh"]

APP_SERVICES = ("web", "worker", "beat")
# The only endpoints that take an avatar upload (multipart, up to AVATAR_MAX_BYTES).
UPLOAD_PATHS = ("/graphql/", "/api/v1/users/me/avatar/")
MIB = 1024 * 1024
# Room for multipart framing above AVATAR_MAX_BYTES, but no open door.
MULTIPART_HEADROOM = 2 * MIB

SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|DSN|API_KEY|PRIVATE_KEY|SIGNING_KEY|CREDENTIAL"
)
# ${NAME}, ${NAME:?message}, ${NAME:-default}, ${NAME-default}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


# --- Helpers ----------------------------------------------------------------------


def clean_env(**overrides: str) -> dict[str, str]:
    """Return this process's environment minus every variable the files read.

    A developer's own PORT or WEB_CONCURRENCY must not decide a test's outcome.
    """
    read_by_the_files = re.compile(
        r"^(PORT|WEB_CONCURRENCY|GUNICORN_\w+|FORWARDED_ALLOW_IPS|LOG_LEVEL"
        r"|WAIT_FOR_SERVICES\w*|RUN_MIGRATIONS|COLLECTSTATIC|CELERY_\w+"
        r"|DATABASE_URL|REDIS_URL|ALLOWED_HOSTS|SECRET_KEY|SENTRY_DSN)$"
    )
    env = {k: v for k, v in os.environ.items() if not read_by_the_files.match(k)}
    env.update(overrides)
    return env


def venv_path() -> str:
    """Put this interpreter first on PATH.

    The scripts call ``python``, which in the image is the venv's; here it must be
    one that has psycopg and redis installed.
    """
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited early:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listens on 127.0.0.1:{port}:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def size_in_bytes(value: str) -> int:
    # nginx counts k and m in powers of 1024, as Django's byte settings do.
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"not an nginx size: {value!r}"
    unit = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[match.group(2).lower()]
    return int(match.group(1)) * unit


def django_upload_limits() -> dict[str, int]:
    """Read the limits production runs with.

    A separate interpreter, because this process has the suite's settings loaded,
    which may differ from production's.
    """
    probe = (
        "import json, core.settings.production as s; print(json.dumps("
        "{'data': s.DATA_UPLOAD_MAX_MEMORY_SIZE, 'avatar': s.AVATAR_MAX_BYTES}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=clean_env(SECRET_KEY="s" * 50, ALLOWED_HOSTS="localhost"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- docker-compose.yml -----------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(COMPOSE_FILE.read_text())


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def volume_mounts(service: dict) -> dict[str, tuple[str, str]]:
    """Map each mount target to (source, mode)."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, target, *mode = entry.split(":")
        mounts[target] = (source, mode[0] if mode else "rw")
    return mounts


def strings_in(node: object) -> Iterator[str]:
    """Yield every string value in the parsed compose file (comments excluded)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)


def interpolations(compose: dict) -> Iterator[re.Match]:
    for value in strings_in(compose):
        yield from INTERPOLATION.finditer(value)


def has_own_healthcheck(service: dict) -> bool:
    check = service.get("healthcheck") or {}
    return bool(check.get("test")) and not check.get("disable")


def test_compose_runs_database_redis_web_worker_beat_and_nginx(compose):
    assert set(compose["services"]) == {"db", "redis", *APP_SERVICES, "nginx"}


def test_compose_uses_the_agreed_service_images(compose):
    services = compose["services"]
    assert services["db"]["image"] == "postgres:15-alpine"
    assert services["redis"]["image"] == "redis:7-alpine"
    assert services["nginx"]["image"] == "nginx:1.27-alpine"


def test_web_worker_and_beat_run_one_image_built_from_the_dockerfile(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (ROOT / build["context"]).resolve() == ROOT, name
        assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    assert len({services[name]["image"] for name in APP_SERVICES}) == 1


def test_each_app_service_runs_its_own_start_script(compose):
    services = compose["services"]
    for name, script in [
        ("web", "start-web.sh"),
        ("worker", "start-worker.sh"),
        ("beat", "start-beat.sh"),
    ]:
        command = services[name]["command"]
        assert command == [f"/app/docker/{script}"], name


def test_app_services_start_once_database_and_redis_are_healthy(compose):
    for name in APP_SERVICES:
        depends_on = compose["services"][name]["depends_on"]
        for dependency in ("db", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", name


def test_nginx_starts_once_web_is_healthy(compose):
    depends_on = compose["services"]["nginx"]["depends_on"]
    assert depends_on["web"]["condition"] == "service_healthy"


def test_every_service_waited_on_has_a_healthcheck(compose, dockerfile):
    # compose refuses to start a service whose "service_healthy" dependency has none.
    services = compose["services"]
    image_has_one = dockerfile.final_stage_has("HEALTHCHECK")
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            if rule.get("condition") != "service_healthy":
                continue
            target = services[dependency]
            inherits = "build" in target and image_has_one
            disabled = (target.get("healthcheck") or {}).get("disable")
            assert has_own_healthcheck(target) or (inherits and not disabled), (
                f"{name} waits for {dependency} to be healthy, which has no check"
            )


def test_database_and_redis_check_their_own_health(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]


def test_worker_and_beat_replace_the_images_http_healthcheck(compose):
    # The image's check asks gunicorn for /healthz/; no gunicorn runs in these two.
    for name in ("worker", "beat"):
        check = compose["services"][name].get("healthcheck")
        assert check, f"{name} would inherit the web process's HTTP healthcheck"
        assert check.get("disable") or "/healthz/" not in str(check.get("test"))
    assert "inspect ping" in str(compose["services"]["worker"]["healthcheck"]["test"])


def test_only_nginx_publishes_a_port(compose):
    published = {
        name: service["ports"]
        for name, service in compose["services"].items()
        if service.get("ports")
    }
    assert published == {"nginx": ["8080:80"]}


def test_containers_run_the_production_settings_behind_one_proxy(compose):
    for name in APP_SERVICES:
        env = environment_of(compose["services"][name])
        assert env["DJANGO_SETTINGS_MODULE"] == "core.settings.production", name
        assert env["NUM_TRUSTED_PROXIES"] in ("1", "${NUM_TRUSTED_PROXIES:-1}"), name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name


def test_compose_requires_the_secrets_instead_of_defaulting_them(compose):
    required = {m["name"] for m in interpolations(compose) if m["op"] == ":?"}
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= required
    assert environment_of(compose["services"]["web"])["SECRET_KEY"].startswith(
        "${SECRET_KEY:?"
    )


def test_compose_holds_no_hard_coded_secrets(compose):
    for service_name, service in compose["services"].items():
        for key, value in environment_of(service).items():
            if SECRET_NAME.search(key):
                assert value == "" or INTERPOLATION.fullmatch(value), (
                    f"{service_name}.{key} is written into the compose file"
                )
            # A URL's password must come from the environment too.
            without_variables = INTERPOLATION.sub("<from-env>", value)
            for password in re.findall(r"://[^/@:\s]*:([^@/\s]*)@", without_variables):
                assert password == "<from-env>", f"{service_name}.{key} holds one"
    for match in interpolations(compose):
        if SECRET_NAME.search(match["name"]) and match["op"] in ("-", ":-"):
            assert match["arg"] == "", f"{match[0]} gives a secret a default value"


def test_env_example_documents_every_required_variable_and_fills_in_no_secret(
    compose,
):
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    required = {m["name"] for m in interpolations(compose) if m["op"] in ("?", ":?")}
    assert required <= set(example), required - set(example)
    for name, value in example.items():
        if SECRET_NAME.search(name):
            assert value == "", f".env.example fills in {name}"


def test_data_lives_in_named_volumes_shared_where_needed(compose):
    services = compose["services"]
    declared = set(compose["volumes"])
    db = volume_mounts(services["db"])
    assert db["/var/lib/postgresql/data"][0] in declared
    web, nginx = volume_mounts(services["web"]), volume_mounts(services["nginx"])
    for path in ("/app/staticfiles", "/app/media"):
        assert web[path][0] in declared
        assert nginx[path] == (web[path][0], "ro"), f"nginx must read {path} only"
    assert volume_mounts(services["worker"])["/app/media"][0] == web["/app/media"][0]


def test_nginx_mounts_the_template_and_sets_every_variable_it_uses(compose):
    nginx = compose["services"]["nginx"]
    source, mode = volume_mounts(nginx)["/etc/nginx/templates/default.conf.template"]
    assert (ROOT / source).resolve() == NGINX_TEMPLATE
    assert mode == "ro"
    used = set(re.findall(r"\$\{(\w+)\}", template_directives()))
    assert used, "the template substitutes nothing"
    # Unset, a variable stays "${NAME}" and nginx refuses to start.
    assert used <= set(environment_of(nginx)), used - set(environment_of(nginx))
    assert environment_of(nginx)["API_UPSTREAM"] == "web:8000"


# --- Dockerfile -------------------------------------------------------------------


@dataclass
class Dockerfile:
    """Instructions grouped by stage, continuation lines joined, comments gone."""

    global_args: dict[str, str] = field(default_factory=dict)
    stages: list[list[tuple[str, str]]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Dockerfile:
        parsed = cls()
        logical, pending = [], ""
        for raw in text.splitlines():
            line = raw.strip()
            if line.startswith("#") or (not line and not pending):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            logical.append(pending + line)
            pending = ""
        for line in logical:
            keyword, _, rest = line.partition(" ")
            instruction = (keyword.upper(), rest.strip())
            if instruction[0] == "FROM":
                parsed.stages.append([instruction])
            elif parsed.stages:
                parsed.stages[-1].append(instruction)
            elif instruction[0] == "ARG" and "=" in rest:
                name, _, default = rest.strip().partition("=")
                parsed.global_args[name] = default
        return parsed

    @property
    def final(self) -> list[tuple[str, str]]:
        return self.stages[-1]

    def base_image(self, stage: list[tuple[str, str]]) -> str:
        image = stage[0][1].split()[0]
        return re.sub(
            r"\$\{(\w+)\}|\$(\w+)",
            lambda m: self.global_args[m[1] or m[2]],
            image,
        )

    def final_stage_has(self, keyword: str) -> bool:
        return any(k == keyword for k, _ in self.final)

    def last(self, keyword: str) -> str:
        values = [v for k, v in self.final if k == keyword]
        assert values, f"the final stage has no {keyword}"
        return values[-1]

    def healthcheck_command(self) -> list[str]:
        _, _, command = self.last("HEALTHCHECK").partition("CMD ")
        return json.loads(command)


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return Dockerfile.parse(DOCKERFILE.read_text())


def test_dockerfile_builds_wheels_in_a_builder_stage_on_python_311_slim(dockerfile):
    assert len(dockerfile.stages) >= 2
    for stage in dockerfile.stages:
        assert dockerfile.base_image(stage).startswith("python:3.11-slim")
    builder_runs = " ".join(
        v for s in dockerfile.stages[:-1] for k, v in s if k == "RUN"
    )
    assert "pip wheel" in builder_runs


def test_dockerfile_final_stage_installs_wheels_without_build_tools(dockerfile):
    runs = " ".join(v for k, v in dockerfile.final if k == "RUN")
    for tool in ("build-essential", "gcc", "apt-get install", "-dev "):
        assert tool not in runs, f"the final stage installs {tool}"
    assert "--no-index" in runs, "the final stage must install the built wheels only"


def test_dockerfile_runs_as_a_non_root_user(dockerfile):
    user = dockerfile.last("USER").split(":")[0]
    assert user not in ("", "root", "0")
    # A name would do for Docker; Kubernetes' runAsNonRoot can only verify a number.
    assert user.isdigit(), f"USER {user}: give the numeric id"


def test_dockerfile_sets_the_python_and_django_environment(dockerfile):
    env = " ".join(v for k, v in dockerfile.final if k == "ENV")
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        "DJANGO_SETTINGS_MODULE=core.settings.production",
    ):
        assert setting in env


def test_dockerfile_collects_static_files_without_baking_in_a_secret(dockerfile):
    runs = [v for k, v in dockerfile.final if k == "RUN"]
    assert any("collectstatic" in run for run in runs)
    for keyword, value in dockerfile.final:
        if keyword in ("ENV", "ARG"):
            assert "SECRET_KEY" not in value, "the image would carry the key"


def test_dockerfile_enters_through_the_entrypoint_and_starts_web_by_default(
    dockerfile,
):
    entrypoint = json.loads(dockerfile.last("ENTRYPOINT"))
    command = json.loads(dockerfile.last("CMD"))
    assert entrypoint[0].endswith("docker/entrypoint.sh")
    assert command[0].endswith("docker/start-web.sh")


def test_dockerfile_healthcheck_asks_healthz_with_python_not_curl(dockerfile):
    command = dockerfile.healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "/healthz/" in command[2]
    assert "curl" not in str(command)
    assert "wget" not in str(command)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build():
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".env", ".git", ".venv", "db.sqlite3", "media", "staticfiles"):
        assert needed in patterns, f"{needed} would be sent to the build"
    for kept in ("docker", "docker/*.sh", "requirements", "core", "manage.py"):
        assert kept not in patterns, f"{kept} is needed inside the image"


# --- Shell scripts ----------------------------------------------------------------


def script_commands(path: Path) -> list[str]:
    """Return the script's commands, continuation lines joined, comments dropped."""
    commands, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        commands.append(pending + line)
        pending = ""
    return commands


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_is_executable_bash_in_strict_mode(name):
    path = DOCKER / name
    assert os.access(path, os.X_OK), f"{name} is not executable"
    assert path.read_text().splitlines()[0] in ("#!/usr/bin/env bash", "#!/bin/bash")
    assert script_commands(path)[0] == "set -euo pipefail"


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_parses_with_bash(name):
    result = subprocess.run(
        ["bash", "-n", str(DOCKER / name)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_hands_over_its_process_with_exec(name):
    # Without exec, bash stays in between and the server never sees Docker's SIGTERM.
    assert script_commands(DOCKER / name)[-1].startswith("exec ")


@pytest.fixture
def recorded(tmp_path) -> dict[str, str]:
    """Stand-ins for python, gunicorn and celery that only record their arguments."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for program in ("python", "gunicorn", "celery"):
        stub = bin_dir / program
        stub.write_text(f'#!/bin/sh\necho "$PWD|{program} $*" >> "$CALLS"\n')
        stub.chmod(0o755)
    return clean_env(PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin", CALLS=str(calls))


def run_script(name: str, env: dict[str, str], *args: str) -> list[str]:
    """Run a start script from elsewhere and return the commands it ran.

    Each must run from the project root, where its relative paths (manage.py,
    docker/gunicorn.conf.py, the ``core`` package) resolve.
    """
    result = subprocess.run(
        [str(DOCKER / name), *args],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = Path(env["CALLS"]).read_text().splitlines()
    assert {Path(line.partition("|")[0]).resolve() for line in calls} == {ROOT}
    return [line.partition("|")[2] for line in calls]


def test_start_web_migrates_then_serves_with_the_gunicorn_config(recorded):
    assert run_script("start-web.sh", recorded) == [
        "python manage.py migrate --noinput",
        "gunicorn --config docker/gunicorn.conf.py core.wsgi:application",
    ]


def test_start_web_skips_migrations_when_told(recorded):
    env = {**recorded, "RUN_MIGRATIONS": "0", "COLLECTSTATIC": "1"}
    assert run_script("start-web.sh", env) == [
        "python manage.py collectstatic --noinput --verbosity 0",
        "gunicorn --config docker/gunicorn.conf.py core.wsgi:application",
    ]


def test_start_worker_runs_a_celery_worker_for_the_core_app(recorded):
    env = {**recorded, "CELERY_WORKER_CONCURRENCY": "3"}
    assert run_script("start-worker.sh", env, "-Q", "emails") == [
        "celery --app core worker --loglevel INFO --concurrency 3 -Q emails"
    ]


def test_start_beat_keeps_its_schedule_where_the_app_user_can_write(recorded):
    assert run_script("start-beat.sh", recorded) == [
        "celery --app core beat --loglevel INFO --schedule /tmp/celerybeat-schedule"
    ]


def run_entrypoint(*command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DOCKER / "entrypoint.sh"), *command],
        env=clean_env(
            PATH=venv_path(),
            WAIT_FOR_SERVICES_ATTEMPTS="2",
            WAIT_FOR_SERVICES_INTERVAL="0.1",
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_entrypoint_gives_up_when_the_database_never_answers():
    url = f"postgres://app:hunter2-secret@127.0.0.1:{free_port()}/app?conn_max_age=60"
    result = run_entrypoint("echo", "command ran", DATABASE_URL=url)
    assert result.returncode != 0
    assert "command ran" not in result.stdout
    assert "gave up waiting for PostgreSQL" in result.stderr
    assert "[2/2]" in result.stderr
    assert "hunter2-secret" not in result.stderr


def test_entrypoint_gives_up_when_redis_never_answers():
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_entrypoint("echo", "command ran", REDIS_URL=url)
    assert result.returncode != 0
    assert "command ran" not in result.stdout
    assert "gave up waiting for Redis" in result.stderr


def test_entrypoint_runs_the_command_with_its_arguments_intact():
    result = run_entrypoint(
        "printf", "<%s>", "two words", "$HOME", DATABASE_URL="sqlite:///db.sqlite3"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "<two words><$HOME>"


def test_entrypoint_waits_for_reachable_services_then_runs_the_command():
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL")
    if not database.startswith("postgres") or not redis:
        pytest.skip("needs the suite's PostgreSQL and Redis (run it with `make test`)")
    result = run_entrypoint(
        "echo", "command ran", DATABASE_URL=database, REDIS_URL=redis
    )
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL is ready" in result.stderr
    assert "Redis is ready" in result.stderr
    assert result.stdout == "command ran\n"


# --- gunicorn.conf.py -------------------------------------------------------------

# Loads the file exactly as gunicorn does (unknown names ignored, each value run
# through gunicorn's validator) and reports the resulting settings.
GUNICORN_PROBE = textwrap.dedent(
    """
    import json, sys, types
    from gunicorn.app.base import Application

    class Probe(Application):
        def init(self, parser, opts, args):
            return None

        def load(self):
            return None

        def load_config(self):
            self.namespace = self.load_config_from_file(sys.argv[1])

    probe = Probe()
    cfg = probe.cfg
    unknown = [
        name for name, value in probe.namespace.items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
        and name not in cfg.settings
    ]
    names = [
        "bind", "workers", "timeout", "graceful_timeout", "keepalive",
        "max_requests", "max_requests_jitter", "worker_tmp_dir",
        "forwarded_allow_ips", "accesslog", "errorlog", "loglevel",
        "control_socket_disable",
    ]
    print(json.dumps({"unknown": unknown, **{n: getattr(cfg, n) for n in names}}))
    """
)


def gunicorn_settings(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", GUNICORN_PROBE, str(GUNICORN_CONF)],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_gunicorn_config_reads_its_settings_from_the_environment():
    settings = gunicorn_settings(
        PORT="9123",
        WEB_CONCURRENCY="3",
        GUNICORN_TIMEOUT="45",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_KEEPALIVE="7",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        FORWARDED_ALLOW_IPS="10.0.0.0/8",
        LOG_LEVEL="WARNING",
    )
    assert settings["bind"] == ["0.0.0.0:9123"]
    assert settings["workers"] == 3
    assert settings["timeout"] == 45
    assert settings["graceful_timeout"] == 20
    assert settings["keepalive"] == 7
    assert settings["max_requests"] == 500
    assert settings["max_requests_jitter"] == 50
    assert settings["forwarded_allow_ips"] == ["10.0.0.0/8"]
    assert settings["loglevel"] == "warning"


def test_gunicorn_config_defaults_suit_a_container():
    settings = gunicorn_settings()
    cores = len(os.sched_getaffinity(0))
    assert settings["bind"] == ["0.0.0.0:8000"]
    assert settings["workers"] == min(2 * cores + 1, 8)
    assert settings["timeout"] == 30
    assert settings["max_requests"] > 0
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
    assert settings["accesslog"] == "-"
    assert settings["errorlog"] == "-"
    assert settings["control_socket_disable"] is True
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        assert settings["worker_tmp_dir"] == "/dev/shm"


def test_gunicorn_config_caps_the_default_worker_count():
    assert gunicorn_settings(GUNICORN_MAX_WORKERS="1")["workers"] == 1


def test_gunicorn_config_names_only_real_gunicorn_settings():
    # gunicorn silently ignores a misspelt name such as "worker_tmpdir".
    assert gunicorn_settings()["unknown"] == []


def test_gunicorn_config_names_the_variable_that_is_not_a_number():
    result = subprocess.run(
        [sys.executable, "-c", GUNICORN_PROBE, str(GUNICORN_CONF)],
        env=clean_env(GUNICORN_TIMEOUT="soon"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "GUNICORN_TIMEOUT must be an integer, got 'soon'" in result.stderr


# A stand-in for Django behind gunicorn: echoes what reached it, and answers
# /healthz/ only for the host the image's probe is expected to send.
STUB_WSGI = textwrap.dedent(
    """
    import json, os

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        received = len(environ["wsgi.input"].read(length))
        status, payload = "200 OK", {
            "path": environ["PATH_INFO"],
            "received": received,
            "host": environ.get("HTTP_HOST"),
            "x_forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "x_forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
        }
        if environ["PATH_INFO"] == "/healthz/":
            if environ.get("HTTP_HOST") != os.environ["STUB_ALLOWED_HOST"]:
                status = "400 Bad Request"
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [body]
    """
)
STUB_ALLOWED_HOST = "api.example.test"


@dataclass
class Server:
    port: int
    log: Path


@pytest.fixture(scope="module")
def gunicorn_stub(tmp_path_factory) -> Iterator[Server]:
    """Gunicorn started with docker/gunicorn.conf.py, serving the stand-in app."""
    directory = tmp_path_factory.mktemp("gunicorn")
    (directory / "stub_wsgi.py").write_text(STUB_WSGI)
    port, log = free_port(), directory / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn",
                "--config", str(GUNICORN_CONF),
                "--bind", f"127.0.0.1:{port}",
                "--workers", "1",
                "--pythonpath", str(directory),
                "stub_wsgi:app",
            ],
            env=clean_env(STUB_ALLOWED_HOST=STUB_ALLOWED_HOST),
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, process, log)
        yield Server(port, log)
    finally:
        stop(process)


def test_gunicorn_serves_with_this_config_and_logs_requests_to_stdout(gunicorn_stub):
    status, _, body = request(gunicorn_stub.port, "GET", "/probe/")
    assert status == 200
    assert json.loads(body)["path"] == "/probe/"
    deadline = time.monotonic() + 5
    while '"GET /probe/ HTTP/1.1" 200' not in gunicorn_stub.log.read_text():
        assert time.monotonic() < deadline, gunicorn_stub.log.read_text()
        time.sleep(0.05)


def run_image_healthcheck(dockerfile: Dockerfile, port: int) -> int:
    command = dockerfile.healthcheck_command()
    command[0] = sys.executable  # "python" inside the image
    env = clean_env(PORT=str(port), ALLOWED_HOSTS=f"{STUB_ALLOWED_HOST},localhost")
    return subprocess.run(command, env=env, timeout=30, check=False).returncode


def test_image_healthcheck_passes_while_the_web_process_answers(
    dockerfile, gunicorn_stub
):
    assert run_image_healthcheck(dockerfile, gunicorn_stub.port) == 0


def test_image_healthcheck_fails_when_nothing_answers(dockerfile):
    assert run_image_healthcheck(dockerfile, free_port()) != 0


# --- nginx ------------------------------------------------------------------------


def nginx_command(prefix: Path, main: Path, *args: str) -> list[str]:
    """Build an nginx command line that writes nothing outside ``prefix``.

    nginx is often in /usr/sbin, which is not on a normal user's PATH.
    """
    for binary in (shutil.which("nginx"), "/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if binary and os.access(binary, os.X_OK):
            break
    else:
        pytest.skip("nginx is not installed (sudo apt-get install -y nginx)")
    command = [binary, *args, "-p", str(prefix), "-c", str(main)]
    # -e (1.19.5+) keeps nginx from opening its compiled-in error log before it
    # reads the configuration; older versions only warn when they cannot.
    version = subprocess.run(
        [binary, "-v"], capture_output=True, text=True, timeout=30, check=False
    ).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version)
    if found and tuple(map(int, found.groups())) >= (1, 19, 5):
        command += ["-e", str(prefix / "error.log")]
    return command


def template_directives() -> str:
    """Return the template without its comments, which envsubst also rewrites."""
    lines = NGINX_TEMPLATE.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def render_template(**values: str) -> str:
    """Substitute like the nginx image's envsubst: only the variables given."""
    return re.sub(
        r"\$\{(\w+)\}", lambda m: values.get(m[1], m[0]), template_directives()
    )


def write_nginx_prefix(directory: Path, upstream: str, port: int) -> Path:
    """Wrap the rendered template in a copy of the official image's nginx.conf.

    Writable paths all point inside ``directory``, so nginx runs unprivileged.
    """
    (directory / "conf.d").mkdir(parents=True, exist_ok=True)
    server = render_template(API_UPSTREAM=upstream, NGINX_LISTEN=f"127.0.0.1:{port}")
    (directory / "conf.d" / "default.conf").write_text(server)
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.exists() else "types { application/json json; }"
    temp = " ".join(
        f"{kind}_temp_path {directory}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = directory / "nginx.conf"
    main.write_text(
        textwrap.dedent(
            f"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {directory}/nginx.pid;
            error_log {directory}/error.log warn;
            events {{ worker_connections 64; }}
            http {{
                {types}
                default_type application/octet-stream;
                access_log {directory}/access.log;
                sendfile on;
                keepalive_timeout 65;
                {temp}
                include {directory}/conf.d/*.conf;
            }}
            """
        )
    )
    return main


@contextlib.contextmanager
def running_nginx(directory: Path, upstream: str) -> Iterator[int]:
    port = free_port()
    main = write_nginx_prefix(directory, upstream, port)
    command = nginx_command(directory, main)
    log = directory / "error.log"
    with log.open("a") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log)
        yield port
    finally:
        stop(process)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, gunicorn_stub) -> Iterator[int]:
    """nginx with the rendered template in front of the gunicorn stand-in."""
    directory = tmp_path_factory.mktemp("nginx")
    with running_nginx(directory, f"127.0.0.1:{gunicorn_stub.port}") as port:
        yield port


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def value(self, name: str) -> str | None:
        found = self.all(name)
        return found[-1].args[0] if found else None

    def location(self, *args: str) -> Directive:
        for candidate in self.all("location"):
            if candidate.args == list(args):
                return candidate
        raise AssertionError(f"no 'location {' '.join(args)}'")


def parse_nginx(text: str) -> Directive:
    """Parse nginx syntax into a tree (enough for reading directives back)."""
    token = re.compile(
        r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|#[^\n]*|[{};]|[^\s{};]+"""
    )
    root = Directive("root", [], [])
    stack, words = [root], []
    for match in token.finditer(text):
        word = match[0]
        if word.startswith("#"):
            continue
        if word == ";":
            stack[-1].block.append(Directive(words[0], words[1:]))
            words = []
        elif word == "{":
            block = Directive(words[0], words[1:], [])
            stack[-1].block.append(block)
            stack.append(block)
            words = []
        elif word == "}":
            stack.pop()
        elif word[0] in "'\"":
            words.append(re.sub(r"\\(.)", r"\1", word[1:-1]))
        else:
            words.append(word)
    assert len(stack) == 1, "unbalanced braces"
    assert not words, "a directive without its ';'"
    return root


@pytest.fixture(scope="module")
def server_block() -> Directive:
    rendered = parse_nginx(render_template(API_UPSTREAM="web:8000", NGINX_LISTEN="80"))
    (server,) = rendered.all("server")
    return server


def test_nginx_accepts_the_rendered_template(tmp_path):
    main = write_nginx_prefix(tmp_path, "127.0.0.1:9", free_port())
    result = subprocess.run(
        nginx_command(tmp_path, main, "-t"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_template_leaves_no_variable_unrendered():
    rendered = render_template(API_UPSTREAM="web:8000", NGINX_LISTEN="80")
    assert "${" not in rendered


def test_nginx_body_limits_match_the_django_settings(server_block):
    limits = django_upload_limits()
    default = size_in_bytes(server_block.value("client_max_body_size"))
    assert default == limits["data"], "nginx and Django disagree on JSON bodies"
    for path in UPLOAD_PATHS:
        upload = size_in_bytes(
            server_block.location("=", path).value("client_max_body_size")
        )
        assert limits["avatar"] < upload <= limits["avatar"] + MULTIPART_HEADROOM, path
    raised = {
        location.args[-1]
        for location in server_block.all("location")
        if location.value("client_max_body_size")
        and size_in_bytes(location.value("client_max_body_size")) > default
    }
    assert raised == set(UPLOAD_PATHS), "only the upload endpoints take more"


def test_nginx_forwards_client_address_scheme_and_host_and_hides_its_version(
    server_block,
):
    assert server_block.value("server_tokens") == "off"
    headers = {
        d.args[0].lower(): d.args[1] for d in server_block.all("proxy_set_header")
    }
    assert headers["x-forwarded-for"] == "$proxy_add_x_forwarded_for"
    assert headers["x-forwarded-proto"] == "$scheme"
    assert "host" in headers
    for location in server_block.all("location"):
        if location.all("proxy_pass"):
            # One proxy_set_header here would drop every one set for the server.
            assert not location.all("proxy_set_header"), location.args
            assert location.value("proxy_pass") == "http://accounts_api"


def test_nginx_compresses_json(server_block):
    assert server_block.value("gzip") == "on"
    assert "application/json" in server_block.all("gzip_types")[0].args


def test_nginx_own_errors_are_json_in_the_shared_error_vocabulary(server_block):
    from users.errors import ErrorCode

    handled = {}
    for directive in server_block.all("error_page"):
        *codes, target = directive.args
        args = [target] if target.startswith("@") else ["=", target]
        location = server_block.location(*args)
        assert location.value("default_type") == "application/json", target
        status, body = location.all("return")[0].args
        (error,) = json.loads(body)["errors"]
        assert set(error) == {"field", "code", "message"}
        assert error["code"] in set(ErrorCode), error["code"]
        handled.update(
            {int(code): (int(status), error["code"]) for code in codes if code != "="}
        )
    assert handled[413] == (413, "FILE_TOO_LARGE")
    for code in (400, 404, 414, 500, 502, 503, 504):
        assert code in handled, f"nginx would answer {code} with an HTML page"


def test_nginx_refuses_a_json_body_over_1mb_with_a_json_413(nginx):
    body = b"x" * (MIB + 1)
    status, headers, answer = request(nginx, "POST", "/api/v1/auth/token/", body)
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["errors"][0]["code"] == "FILE_TOO_LARGE"


def test_nginx_passes_a_body_of_1mb_to_the_api(nginx):
    status, _, answer = request(nginx, "POST", "/api/v1/auth/token/", b"x" * MIB)
    assert status == 200
    assert json.loads(answer)["received"] == MIB


@pytest.mark.parametrize("path", UPLOAD_PATHS)
def test_nginx_passes_an_avatar_sized_upload_on_the_upload_paths(nginx, path):
    body = b"x" * int(5.5 * MIB)
    status, _, answer = request(nginx, "POST", path, body)
    assert status == 200
    seen = json.loads(answer)
    assert (seen["path"], seen["received"]) == (path, len(body))


@pytest.mark.parametrize("path", UPLOAD_PATHS)
def test_nginx_refuses_an_upload_over_6mb_with_a_json_413(nginx, path):
    status, headers, answer = request(nginx, "POST", path, b"x" * (6 * MIB + 1))
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["errors"][0]["code"] == "FILE_TOO_LARGE"


def test_nginx_appends_the_real_client_address_after_any_spoofed_one(nginx):
    status, _, answer = request(
        nginx,
        "GET",
        "/api/v1/users/me/",
        headers={"Host": "api.example.test:8080", "X-Forwarded-For": "203.0.113.9"},
    )
    assert status == 200
    seen = json.loads(answer)
    # Django trusts one entry from the right (NUM_TRUSTED_PROXIES=1): nginx's own.
    assert seen["x_forwarded_for"] == "203.0.113.9, 127.0.0.1"
    assert seen["x_forwarded_proto"] == "http"
    assert seen["host"] == "api.example.test:8080"


def test_nginx_answers_json_when_the_api_is_down(tmp_path):
    with running_nginx(tmp_path, f"127.0.0.1:{free_port()}") as port:
        status, headers, answer = request(port, "POST", "/graphql/", b"{}")
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["errors"][0]["code"] == "SERVICE_UNAVAILABLE"


def test_nginx_answers_json_to_a_uri_too_long(nginx):
    status, headers, answer = request(nginx, "GET", "/api/" + "a" * 10_000)
    assert status == 414
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["errors"][0]["code"] == "INVALID_INPUT"
