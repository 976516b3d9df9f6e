import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(module: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import a settings module in a fresh interpreter with exactly ``env``."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = "
            f"'{module}'; from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE']); "
            "print(settings.CACHES['default']['BACKEND']); "
            "print(settings.CELERY_TASK_ALWAYS_EAGER); print(settings.EMAIL_BACKEND)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_dev_settings_work_with_an_empty_environment():
    result = _import_settings("core.settings.dev", {})
    assert result.returncode == 0, result.stderr
    engine, cache, eager, email = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert cache.endswith("LocMemCache")
    assert eager == "True"
    assert email.endswith("console.EmailBackend")


def test_dev_settings_use_postgres_and_redis_when_given_urls():
    result = _import_settings(
        "core.settings.dev",
        {
            "DATABASE_URL": "postgres://u@127.0.0.1:5/db",
            "REDIS_URL": "redis://127.0.0.1:6/0",
        },
    )
    assert result.returncode == 0, result.stderr
    engine, cache, eager, _ = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert cache.endswith("RedisCache")
    assert eager == "False"


def test_production_settings_refuse_to_start_without_secret_key():
    result = _import_settings(
        "core.settings.production", {"ALLOWED_HOSTS": "api.example.com"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = _import_settings("core.settings.production", {"SECRET_KEY": "s" * 50})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_the_deploy_checklist():
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "core.settings.production",
        "SECRET_KEY": "k" * 30 + "Q9#x" * 10,
        "ALLOWED_HOSTS": "api.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrations_are_in_sync_with_the_models():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
