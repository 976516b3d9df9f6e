"""The GitHub workflows and the Dockerfile, validated here (no runner, no Docker).

actionlint and hadolint come as wheels that carry their binaries (dev lock);
the rules below are the ones a linter cannot know: pinned actions, the test
matrix, the release's outputs, and the release notes script.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
SCRIPTS = ROOT / ".github" / "scripts"
sys.path.insert(0, str(SCRIPTS))
import release_notes  # noqa: E402


def _load(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    binary = BIN / tool
    assert binary.exists(), f"{tool} is missing from the virtualenv (dev lock)"
    return subprocess.run(
        [str(binary), *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_actionlint_finds_nothing_in_the_workflows():
    # shellcheck (also a wheel) beside it checks every `run:` script.
    result = _run("actionlint", "-shellcheck", str(BIN / "shellcheck"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = _run("hadolint", "docker/Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n")
    result = _run("actionlint", str(broken))
    assert result.returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_release_named(path):
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text())
    assert uses
    for action, comment in uses:
        if action.startswith("./"):
            continue  # this repository's own reusable workflow, same commit
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", action), action
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{action}: name the release"


def test_ci_tests_python_3_11_and_3_13_on_the_compose_postgres_major():
    ci = _load("ci.yml")
    test = ci["jobs"]["test"]
    assert test["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    image = compose["services"]["db"]["image"]
    compose_major = re.match(r"postgres:(\d+)", image).group(1)
    assert test["env"]["PG_MAJOR"] == compose_major
    assert any(step.get("run") == "bash .ci/run" for step in test["steps"])


def test_the_release_runs_on_version_tags_after_the_tests():
    release = _load("release.yml")
    # PyYAML reads the key `on` as True.
    assert release[True]["push"]["tags"] == ["v*.*.*"]
    assert release["jobs"]["test"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in _load("ci.yml")[True]
    assert release["jobs"]["image"]["needs"] == "test"
    assert release["jobs"]["release"]["needs"] == "image"


def test_the_release_pushes_a_multi_arch_image_with_sbom_and_provenance():
    release = _load("release.yml")
    (build,) = [s for s in _steps(release) if "build-push-action" in s.get("uses", "")]
    options = build["with"]
    assert options["push"] is True
    assert set(options["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert options["sbom"] is True
    assert options["provenance"] == "mode=max"
    image = release["jobs"]["image"]
    assert image["permissions"]["packages"] == "write"
    assert "steps.build.outputs.digest" in image["outputs"]["digest"]


def test_the_github_release_names_the_digest_pinned_image():
    release = _load("release.yml")
    runs = " ".join(s.get("run", "") for s in release["jobs"]["release"]["steps"])
    assert '--image "$IMAGE@$DIGEST"' in runs
    assert "gh release create" in runs
    assert release["jobs"]["release"]["permissions"] == {"contents": "write"}


CHANGELOG = """# Changelog

## [Unreleased]

## [1.2.0] - 2027-01-01
### Added
- Passkeys.

## [1.1.0]
- Older.
"""


def test_release_notes_are_the_changelog_section_and_the_image():
    notes = release_notes.notes("v1.2.0", "ghcr.io/o/r@sha256:abc", CHANGELOG)
    assert notes.startswith("### Added\n- Passkeys.")
    assert "Older" not in notes
    assert "`ghcr.io/o/r@sha256:abc`" in notes


@pytest.mark.parametrize("tag", ["1.2.0", "v1.2", "v1.2.0-rc1", "latest"])
def test_release_notes_refuse_what_is_not_a_version_tag(tag):
    with pytest.raises(SystemExit):
        release_notes.notes(tag, None, CHANGELOG)


def test_release_notes_refuse_a_version_the_changelog_lacks():
    with pytest.raises(SystemExit, match=r"\[9.9.9\]"):
        release_notes.notes("v9.9.9", None, CHANGELOG)


def test_the_current_version_has_its_changelog_section():
    version = release_notes.project_version()
    assert release_notes.main([f"v{version}", "--check-tag"]) == 0
    with pytest.raises(SystemExit, match="does not match"):
        release_notes.main(["v99.0.0", "--check-tag"])
