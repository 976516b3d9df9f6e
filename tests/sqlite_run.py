"""Run a module of the suite on a fresh SQLite database under the dev settings.

Some rules must give the same answer on SQLite (``make run``) as on the suite's
PostgreSQL. Such a module prints one line, ``MARKER + JSON``, from its ``main()``;
``result_on_fresh_sqlite`` runs it in a subprocess (its own Django, its own
migrated database) and returns the parsed JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def result_on_fresh_sqlite(module: str, marker: str, tmp_path: Path) -> Any:
    """Run ``python -m module`` on a new SQLite file; return what it printed."""
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
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    (line,) = [line for line in run.stdout.splitlines() if line.startswith(marker)]
    return json.loads(line[len(marker) :])
