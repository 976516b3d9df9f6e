"""Property-based run of every documented operation (schemathesis over WSGI).

Requests generated from the committed Swagger document (which another test keeps
identical to the code's) must never get a 5xx, and every answer must be
documented: its status, content type, headers and body schema. Bounded and
derandomised, so it is repeatable and fast.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rest_api.docs import SNAPSHOT_PATH
from tests.rest.utils import login

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_dict(json.loads(SNAPSHOT_PATH.read_text()))
OPERATIONS = sorted(
    f"{op.method.upper()} {op.path}"
    for op in (result.ok() for result in SCHEMA.get_all_operations())
)


def content_type_of_bodies(ctx, response, case):
    """``content_type_conformance``, but an empty 202/204 rightly has no type."""
    if not response.content:
        return None
    return content_type_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_of_bodies,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def app():
    """Django's WSGI handler, kept inside the test's transaction.

    A real request opens and closes database connections around itself; here
    the data lives in the test's transaction, so that housekeeping is paused
    (as Django's test client does).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_requests_get_documented_answers_and_no_server_error(
    label, mode, app, staff
):
    operation = SCHEMA.find_operation_by_label(label)
    # A staff token, so that the staff-only list is exercised past the 403.
    headers = {"Authorization": f"Bearer {login(staff).access}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
