"""Schemathesis over the app's own OpenAPI document: no 5xx, and every answer as documented.

Runs through the WSGI app (no network) on each database, anonymously, as a resident and as a
district administrator with a bearer token, a bounded number of cases per operation with a
fixed seed. ``FUZZ_EXAMPLES=200`` (say) makes a longer run of the same test.
"""

import contextvars
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed

from timebank.accounts.permissions import Role

schemathesis = pytest.importorskip("schemathesis")

#: The document describes shapes, not every rule (a phone's digits, a month's range, what
#: exists): a schema-valid request may rightly be refused with 422, so that check is left out.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
#: Cases per operation and identity; about a hundred operations make a few hundred cases in all.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))


def _fuzz(app, client, headers) -> tuple[int, list[str]]:
    """Every operation of the document, `EXAMPLES` cases each: (cases run, failures)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    count, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()

        @fixed_seed(20260301)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal count
            count += 1
            case.call_and_validate(session=client, headers=headers, excluded_checks=EXCLUDED)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - every operation's failures are reported at once
            failures.append(f"{operation.label}: {error}")
    return count, failures


#: Who calls: nobody, a resident, a district administrator (who may call everything).
IDENTITIES = {"anonymous": None, "resident": Role.RESIDENT, "district_admin": Role.DISTRICT_ADMIN}


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_operation_answers_as_documented(app, client, make_station, make_user, api_token, identity):
    make_station()
    role = IDENTITIES[identity]
    headers = api_token(make_user(role, name="测试者")) if role else {}
    # Each request runs in a context of its own (as `IsolatedClient` does), outside the test's.
    count, failures = contextvars.Context().run(_fuzz, app, client, headers)
    print(f"{identity}: {count} cases")
    assert count > 0
    assert not failures, "\n\n".join(failures)
