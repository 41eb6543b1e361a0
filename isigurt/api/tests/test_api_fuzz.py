"""S1 in the suite: schemathesis generates requests from /api/v1/openapi.json.

Every answer must be below 500 and match the spec (status codes, content types, bodies,
headers), and data that breaks the schema must be refused. Positive-data acceptance is left out:
the spec's example Idempotency-Key is reused with other bodies, which R4 rightly answers 422.
"""

import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from isigurt.wsgi import application

ALL_HEALTH_CHECKS = list(HealthCheck)


def negative_data_refused(ctx, response, case):  # type: ignore[no-untyped-def]
    """negative_data_rejection, with 413 counted as refusing: a body past the upload limit is
    refused before it is parsed (its answer is documented for every operation with a body)."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_refused,
]


@pytest.fixture
def in_process_api(db, settings, tmp_path) -> Iterator[None]:  # db: the app files reports
    """The WSGI app called in this thread, inside the test's transaction, limits off."""
    settings.RATE_LIMIT_ENABLED = False  # fuzzing sends far more than a person would
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    # As Django's test client does: a request must not close the test's open transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.usefixtures("in_process_api")
def test_the_api_never_fails_and_keeps_to_its_spec() -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=25, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # An operation with nothing to break (no parameters, no body) has no negative case.
            assert mode is GenerationMode.NEGATIVE
