"""The dependency rule, enforced: the domain depends on no surface and no task.

Run in a fresh interpreter with only the apps the domain needs, because the
suite's own process has imported everything already.

One nuance: the token engine (``users/tokens.py``) builds on simplejwt, which
imports a few of DRF's plain modules (its settings and exception helpers). That
is a library's dependency, not the REST surface: what must never load is DRF's
request/response machinery, our surfaces, GraphQL, or the task layer.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "users"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    AUTH_USER_MODEL="users.User",
    SECRET_KEY="layer-probe-" + "k" * 40,
    USE_TZ=True,
)
django.setup()
import MODULE
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN_PACKAGES = {
    "graphene",
    "graphene_django",
    "graphql",
    "graphql_jwt",
    "graphql_api",
    "rest_api",
    "drf_yasg",
    "tasks",
    "celery",
    "kombu",
}
FORBIDDEN_MODULES = {
    f"rest_framework.{name}"
    for name in ("views", "request", "response", "serializers", "generics", "viewsets")
}


def _loaded_modules(module: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.replace("MODULE", module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def _violations(modules: set[str]) -> set[str]:
    return {
        name
        for name in modules
        if name.split(".")[0] in FORBIDDEN_PACKAGES or name in FORBIDDEN_MODULES
    }


@pytest.mark.parametrize(
    "module", ["users.services", "users.emails", "users.outbox", "users.retention"]
)
def test_importing_the_domain_loads_no_surface_graphql_drf_views_or_tasks(module):
    assert _violations(_loaded_modules(module)) == set()


def test_the_probe_sees_a_forbidden_import_when_there_is_one():
    # The check above is only worth something if the probe can fail.
    assert "tasks" in _violations(_loaded_modules("tasks.outbox"))


def _imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_domain_module_imports_drf_graphene_celery_or_the_other_layers():
    offenders = {}
    for path in sorted((ROOT / "users").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        bad = {
            name
            for name in _imports_of(path)
            if name.split(".")[0] in FORBIDDEN_PACKAGES | {"rest_framework"}
        }
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}
