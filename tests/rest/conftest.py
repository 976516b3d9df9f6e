import warnings

import pytest
from rest_framework.test import APIClient

with warnings.catch_warnings():
    # swagger_spec_validator still imports jsonschema's deprecated RefResolver;
    # imported once here, the warning does not land on whichever test is first.
    warnings.simplefilter("ignore", DeprecationWarning)
    import swagger_spec_validator.validator20  # noqa: F401

from tests.rest.utils import client_for, login


@pytest.fixture
def api() -> APIClient:
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def pair(user):
    """A fresh session of ``user``."""
    return login(user)


@pytest.fixture
def auth_api(pair) -> APIClient:
    """A client sending ``user``'s access token."""
    return client_for(pair.access)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return client_for(login(staff).access)


@pytest.fixture
def mailing(django_capture_on_commit_callbacks):
    """``with mailing(): ...`` publishes the emails queued inside the block.

    The test's transaction never commits, so the on-commit publishing has to be
    run explicitly; it runs when the block exits.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)
