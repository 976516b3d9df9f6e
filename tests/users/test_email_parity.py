"""One address, one spelling, the same answer on PostgreSQL and SQLite.

``tests.users.email_parity`` drives every look-alike and neighbour spelling of
three registered addresses through both surfaces (register, login, reset
request). The suite's PostgreSQL runs it in-process; a fresh SQLite database
under the dev settings runs it in a subprocess. Both must give the documented
answer, spelling by spelling, and store the same three canonical addresses.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.users import email_parity

ROOT = Path(__file__).resolve().parents[2]

INVALID = {
    "rest register": [400, [["EMAIL_INVALID", "email"]]],
    "graphql register": [["EMAIL_INVALID", "email"]],
    "rest login": 400,
    "graphql login": ["EMAIL_INVALID"],
    "rest reset": [400, [["EMAIL_INVALID", "email"]]],
    "graphql reset": [["EMAIL_INVALID", "email"]],
}
SAME_ADDRESS = {
    "rest register": [400, [["EMAIL_TAKEN", "email"]]],
    "graphql register": [["EMAIL_TAKEN", "email"]],
    "rest login": 200,
    "graphql login": ["ok"],
    "rest reset": [202, []],
    "graphql reset": ["ok"],
}
#: Spellings of a registered address (same account); every other one is refused.
SAME = {
    "upper case",
    "fullwidth domain letters",
    "surrounding spaces",
    "punycode of the IDN domain",
    "upper-case IDN domain",
}


def _expected() -> dict:
    return {
        "originals": [201, 201, 201],
        "answers": {
            label: SAME_ADDRESS if label in SAME else INVALID
            for label, _ in email_parity.SPELLINGS
        },
        "stored": ["info@example.com", "name@example.com", "name@xn--bcher-kva.de"],
    }


def _without_vendor(result: dict) -> tuple[str, dict]:
    result = dict(result)
    return result.pop("vendor"), result


@pytest.mark.django_db
def test_every_spelling_gets_its_documented_answer_on_postgresql():
    result = email_parity._normalised(email_parity.run())
    vendor, result = _without_vendor(result)
    assert vendor == "postgresql"
    assert result == _expected()


def test_sqlite_gives_the_same_answers(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="core.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'parity.sqlite3'}",
        EMAIL_URL="dummymail://",
    )
    run = subprocess.run(
        [sys.executable, "-m", "tests.users.email_parity"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    (line,) = [
        line for line in run.stdout.splitlines() if line.startswith(email_parity.MARKER)
    ]
    vendor, result = _without_vendor(json.loads(line[len(email_parity.MARKER) :]))
    assert vendor == "sqlite"
    assert result == _expected()
