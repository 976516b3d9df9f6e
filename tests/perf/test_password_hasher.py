"""Guards on the password hasher: its parameters, its place, the upgrade at login.

The parameters are a measured choice (users/hashers.py, bench/README.md); a
change to them, or to the order of PASSWORD_HASHERS, should be deliberate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

from users.hashers import ProjectArgon2PasswordHasher
from users.models import User
from users.passwords import check_password

ROOT = Path(__file__).resolve().parents[2]
PROJECT_HASHER = "users.hashers.ProjectArgon2PasswordHasher"
PASSWORD = "an-upgradeable-passphrase-7"


def _argon2_parameters(encoded: str):
    algorithm, rest = encoded.split("$", 1)
    assert algorithm == "argon2"
    return extract_parameters("$" + rest)


def test_production_puts_the_project_hasher_first():
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    clean.update({"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "api.example.com"})
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'core.settings.production';"
        "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == PROJECT_HASHER


def test_project_hasher_is_argon2id_with_64_mib_two_passes_one_lane(settings):
    settings.PASSWORD_HASHERS = [PROJECT_HASHER]

    parameters = _argon2_parameters(make_password(PASSWORD))

    assert parameters.type is Type.ID
    assert parameters.memory_cost == 64 * 1024
    assert parameters.time_cost == 2
    assert parameters.parallelism == 1


def test_project_hasher_stays_above_owasp_argon2id_minimums():
    # OWASP's Password Storage Cheat Sheet: m=19 MiB t=2 p=1 or m=46 MiB t=1 p=1.
    hasher = ProjectArgon2PasswordHasher
    assert hasher.memory_cost >= 46 * 1024
    assert hasher.time_cost >= 2
    assert hasher.parallelism >= 1


@pytest.mark.django_db
def test_a_django_default_argon2_hash_is_upgraded_at_the_next_login(settings):
    settings.PASSWORD_HASHERS = [
        PROJECT_HASHER,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user("old-hash@example.org")
    # Django's stock parameters (m=100 MiB, p=8), as every existing hash has them.
    user.password = Argon2PasswordHasher().encode(PASSWORD, "stocksaltstocksalt")
    user.save(update_fields=["password"])
    assert _argon2_parameters(user.password).parallelism == 8

    assert check_password(user, PASSWORD)

    user.refresh_from_db()
    upgraded = _argon2_parameters(user.password)
    assert (upgraded.memory_cost, upgraded.time_cost, upgraded.parallelism) == (
        64 * 1024,
        2,
        1,
    )
    assert check_password(user, PASSWORD)


@pytest.mark.django_db
def test_a_wrong_password_does_not_upgrade_an_old_hash(settings):
    settings.PASSWORD_HASHERS = [PROJECT_HASHER]
    user = User.objects.create_user("old-hash-2@example.org")
    user.password = Argon2PasswordHasher().encode(PASSWORD, "stocksaltstocksalt")
    user.save(update_fields=["password"])
    before = user.password

    assert not check_password(user, "not-the-passphrase-1")

    user.refresh_from_db()
    assert user.password == before
