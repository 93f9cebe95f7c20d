"""schemathesis against the edge's own OpenAPI: no input makes the edge answer 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def edge_schema(edge):
    return schemathesis.openapi.from_url(f"{edge.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("edge_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_edge_fail(case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
