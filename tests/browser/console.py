"""What a browser test checks after driving a page: its console, its screenshot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium import webdriver

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts"))
README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
# Lines that say nothing is wrong: ReDoc announces it converts Swagger 2.0.
HARMLESS = ("[ReDoc Compatibility mode]",)


def problems(driver: webdriver.Chrome) -> list[str]:
    """Console lines at warning level or worse: CSP violations, failed requests.

    Chromium logs a refused resource ("violates the following Content Security
    Policy directive"), a failed or 4xx/5xx request ("Failed to load resource")
    and an uncaught script error at SEVERE.
    """
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] in {"SEVERE", "WARNING"}
        and not any(text in entry["message"] for text in HARMLESS)
    ]


def keep_screenshot(
    driver: webdriver.Chrome, name: str, *, in_readme: bool = False
) -> Path:
    """Save a screenshot as a test artifact (and for the README when asked).

    ``UPDATE_README_SCREENSHOTS=1 make test`` refreshes the README's images,
    docs/img/<name>.png, from the run.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot for {name}"
    if in_readme and os.environ.get("UPDATE_README_SCREENSHOTS") == "1":
        README_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_IMAGES / path.name)
    return path
