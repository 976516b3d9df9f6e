"""Release notes for a version tag: its docs/changelog.md section and the image.

``release_notes.py v1.2.3 --image ghcr.io/o/r@sha256:...`` prints the section
``## [1.2.3]`` of the changelog followed by the digest-pinned image reference;
``--check-tag v1.2.3`` fails unless the tag is ``v`` + pyproject.toml's version
and the changelog has that section. Standard library only: it runs on the bare
runner before any install.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = ROOT / "docs" / "changelog.md"
PYPROJECT = ROOT / "pyproject.toml"


def project_version() -> str:
    return tomllib.loads(PYPROJECT.read_text())["project"]["version"]


def section(version: str, changelog: str) -> str:
    """Return the body of ``## [version]`` (up to the next ``## ``), stripped."""
    heading = re.compile(rf"^## \[{re.escape(version)}\][^\n]*\n", re.MULTILINE)
    found = heading.search(changelog)
    if found is None:
        raise SystemExit(f"docs/changelog.md has no section ## [{version}]")
    rest = changelog[found.end() :]
    following = re.search(r"^## ", rest, re.MULTILINE)
    body = rest[: following.start()] if following else rest
    return body.strip()


def version_of(tag: str) -> str:
    if not re.fullmatch(r"v\d+\.\d+\.\d+", tag):
        raise SystemExit(f"{tag!r} is not a version tag (v1.2.3)")
    return tag[1:]


def notes(tag: str, image: str | None, changelog: str) -> str:
    body = section(version_of(tag), changelog)
    if image:
        body += (
            "\n\n## Image\n\n"
            f"`{image}` (linux/amd64, linux/arm64; SBOM and provenance attached)\n"
        )
    return body + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--image", help="digest-pinned image reference")
    parser.add_argument("--check-tag", action="store_true")
    args = parser.parse_args(argv)
    changelog = CHANGELOG.read_text()
    if args.check_tag:
        version = version_of(args.tag)
        if version != project_version():
            raise SystemExit(
                f"tag {args.tag} does not match pyproject.toml's {project_version()}"
            )
        section(version, changelog)
        return 0
    sys.stdout.write(notes(args.tag, args.image, changelog))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
