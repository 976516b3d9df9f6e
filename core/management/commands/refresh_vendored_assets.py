"""Fetch the docs pages' browser files from the npm registry, record their hashes.

For every package in ``core/vendor_assets.json`` (name, version, files, patches):
``npm pack`` downloads the published tarball, its sha512 is checked against the
integrity npm reports for that version, the listed files are copied under
``core/static/vendor/<name>@<version>/`` (after the manifest's exact-text
patches, each of which must match once) and the manifest records the tarball's
integrity and each served file's sha384 (the pages' SRI values).

``--check`` needs no network: it fails when a committed file no longer matches
the hash recorded for it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.vendor import (
    MANIFEST_PATH,
    STATIC_ROOT,
    VENDOR_PREFIX,
    read_manifest,
    sri,
    static_path,
)


def _npm_pack(spec: str, into: Path) -> tuple[Path, str]:
    npm = shutil.which("npm")
    if npm is None:
        raise CommandError("npm is needed to fetch packages (install Node.js).")
    result = subprocess.run(  # noqa: S603 - fixed program, argument from the manifest
        [npm, "pack", spec, "--json", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"npm pack {spec} failed: {result.stderr.strip()}")
    (packed,) = json.loads(result.stdout)
    return into / packed["filename"], packed["integrity"]


def _check_tarball(tarball: Path, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    if base64.b64encode(digest).decode("ascii") != expected:
        raise CommandError(f"{tarball.name} does not match its published integrity")


def _fetch(package: dict[str, Any], workdir: Path) -> dict[str, bytes]:
    """Return the listed files of one package version, from a verified tarball."""
    name, version = package["name"], package["version"]
    tarball, integrity = _npm_pack(f"{name}@{version}", workdir)
    _check_tarball(tarball, integrity)
    package["integrity"] = integrity
    files = {}
    with tarfile.open(tarball) as archive:
        for file in package["files"]:
            try:
                member = archive.extractfile(f"package/{file}")
            except KeyError:
                member = None
            if member is None:
                raise CommandError(f"{name}@{version} has no file {file}")
            files[static_path(name, version, file)] = member.read()
    for patch in package.get("patches", []):
        path = static_path(name, version, patch["file"])
        find, replace = patch["find"].encode(), patch["replace"].encode()
        if files[path].count(find) != 1:
            raise CommandError(f"patch for {path} does not match exactly once")
        files[path] = files[path].replace(find, replace)
    package["sri"] = {
        file: sri(files[static_path(name, version, file)]) for file in package["files"]
    }
    return files


def mismatches() -> list[str]:
    """List the committed vendored files that differ from their recorded hash."""
    problems = []
    for package in read_manifest()["packages"]:
        for file in package["files"]:
            path = STATIC_ROOT / static_path(package["name"], package["version"], file)
            recorded = package.get("sri", {}).get(file)
            if not path.exists():
                problems.append(f"missing: {path}")
            elif recorded != sri(path.read_bytes()):
                problems.append(f"hash differs: {path}")
    return problems


class Command(BaseCommand):
    help = "Fetch the docs pages' browser files from npm into core/static/vendor."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Verify the committed files against the manifest (no network).",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        if check:
            problems = mismatches()
            if problems:
                raise CommandError("\n".join(problems))
            self.stdout.write("vendored assets match core/vendor_assets.json")
            return
        manifest = read_manifest()
        files: dict[str, bytes] = {}
        with tempfile.TemporaryDirectory() as workdir:
            for package in manifest["packages"]:
                files.update(_fetch(package, Path(workdir)))
        # Everything fetched and verified: only now replace the old versions.
        shutil.rmtree(STATIC_ROOT / VENDOR_PREFIX, ignore_errors=True)
        for path, content in files.items():
            target = STATIC_ROOT / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        MANIFEST_PATH.write_text(json.dumps(manifest, indent=2) + "\n")
        self.stdout.write(f"wrote {len(files)} files and {MANIFEST_PATH}")
