"""Browser files of the docs pages, served from this project's own static files.

graphene-django's GraphiQL page loads React, GraphiQL and its explorer plugin
from a CDN: offline, behind a strict proxy or air-gapped, it stays blank; ReDoc
fetches its logo from another origin. The same files, pinned from the npm
registry, live under ``core/static/vendor/<name>@<version>/`` and are listed with
their hashes in ``core/vendor_assets.json`` (written by
``manage.py refresh_vendored_assets``). A page names each with a Subresource
Integrity hash, so a tampered static file is refused by the browser, and every
bootstrap is a static script too, so the pages' CSP needs no inline script.

A package entry may carry ``patches`` (exact text replacements applied after the
published tarball's integrity is checked): the only one today removes ReDoc's
request for its logo on cdn.redoc.ly, so the page loads nothing from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MANIFEST_PATH = Path(__file__).resolve().parent / "vendor_assets.json"
STATIC_ROOT = Path(__file__).resolve().parent / "static"
VENDOR_PREFIX = "vendor"


@dataclass(frozen=True)
class Asset:
    """One script or stylesheet a page loads."""

    static_path: str
    integrity: str

    @property
    def is_script(self) -> bool:
        return self.static_path.endswith(".js")

    @property
    def is_stylesheet(self) -> bool:
        return self.static_path.endswith(".css")


def sri(content: bytes) -> str:
    """Return the Subresource Integrity value (sha384) of ``content``."""
    digest = hashlib.sha384(content).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def static_path(package: str, version: str, file: str) -> str:
    """Where a package's file lives under the static root (versioned)."""
    return f"{VENDOR_PREFIX}/{package}@{version}/{file}"


def read_manifest() -> dict[str, Any]:
    return json.loads(MANIFEST_PATH.read_text())


@cache
def page_assets(page: str) -> tuple[Asset, ...]:
    """One page's vendored scripts and stylesheets, in load order, with hashes."""
    assets = []
    for package in read_manifest()["packages"]:
        if page not in package["pages"]:
            continue
        for file, integrity in package["sri"].items():
            path = static_path(package["name"], package["version"], file)
            asset = Asset(static_path=path, integrity=integrity)
            if asset.is_script or asset.is_stylesheet:
                assets.append(asset)
    return tuple(assets)
