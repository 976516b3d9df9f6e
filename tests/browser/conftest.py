"""Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) via Selenium.

The browser resolves no host but 127.0.0.1, so a page that still reached for a
CDN would fail here exactly as it fails offline. Every page's console is read
after the test (tests/browser/console.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# Flags for root in a container with no network: no sandbox, no GPU, and none of
# the background traffic (updates, sync, QUIC probes) that floods a closed network.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,860",
    # Nothing but loopback resolves: offline, as an air-gapped deployment is.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(binary):
            pytest.fail(
                f"{binary} is missing: sudo apt-get install -y chromium chromium-driver"
            )
    profile = tempfile.mkdtemp(prefix="accounts-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: webdriver.Chrome) -> webdriver.Chrome:
    """The browser on a blank page, its console emptied of earlier tests' lines."""
    browser.get("about:blank")
    browser.get_log("browser")
    return browser
