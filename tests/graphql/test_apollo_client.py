"""Apollo Client's own PersistedQueryLink against the server, over real HTTP.

The npm packages (pinned in ``apollo/package-lock.json``) are installed into
``tests/graphql/apollo/node_modules`` on first use; without node/npm or without
the registry the test is skipped, saying why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graphql_api import persisted
from tests.graphql.client import login

APOLLO = Path(__file__).parent / "apollo"


@pytest.fixture(scope="session")
def apollo_client_installed() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the Apollo Client check")
    marker = APOLLO / "node_modules" / ".package-lock.json"
    if not marker.exists():
        try:
            installed = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=APOLLO,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("npm registry unreachable (npm ci timed out)")
        if installed.returncode != 0:
            pytest.skip(
                f"npm ci failed (registry unreachable?): {installed.stderr[-300:]}"
            )
    return APOLLO


@pytest.mark.django_db(transaction=True)
def test_apollo_persisted_query_link_registers_then_sends_only_the_hash(
    apollo_client_installed, live_server, user
):
    persisted.recent.clear()
    token = login(user).access

    ran = subprocess.run(
        ["node", "apq.mjs", f"{live_server.url}/graphql/", token],
        cwd=apollo_client_installed,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    sent = [(r["method"], r["withQuery"], r["status"]) for r in report["sent"]]
    # Hash only (GET) -> not found -> hash + text (POST) -> hash only (GET).
    assert sent == [("GET", False, 200), ("POST", True, 200), ("GET", False, 200)]
    assert report["sent"][0]["body"]["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    assert len({r["hash"] for r in report["sent"]}) == 1
    for result in report["results"]:
        assert result["errors"] is None
        assert result["data"]["me"]["email"] == user.email
