"""Fault tests report their figures at the end of the run (``make test``'s output)."""

from __future__ import annotations

import pytest

_figures = pytest.StashKey[list[str]]()


@pytest.fixture
def fault_figures(pytestconfig) -> list[str]:
    """Lines a fault test wants shown in the run's summary (requests, statuses)."""
    return pytestconfig.stash.setdefault(_figures, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = config.stash.get(_figures, [])
    if lines:
        terminalreporter.section("fault tests: figures")
        for line in lines:
            terminalreporter.write_line(line)
