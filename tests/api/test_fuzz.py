"""Property-based fuzzing of every operation in the OpenAPI document with valid tokens (schemathesis): no 5xx.
A bounded number of examples per operation keeps it inside ``make test``."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.main import create_app
from app.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings

_spec = create_app(
    Settings(
        database=DatabaseSettings(url="postgresql://u@127.0.0.1:9/x"),
        server=ServerSettings(environment="dev"),
        auth=AuthSettings(secret_key="s" * 40),
    )
).openapi()
schema = schemathesis.openapi.from_dict(_spec)

MAX_EXAMPLES = 6


@pytest.mark.parametrize("role", ["admin", "harbourmaster"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx(case, role, client, headers):
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers[role])
    method, url = kwargs.pop("method"), kwargs.pop("url")
    params = kwargs.pop("params", None)
    passed = {k: v for k, v in kwargs.items() if k in ("headers", "json", "data", "content") and v is not None}
    if isinstance(passed.get("data"), bytes | str):
        passed["content"] = passed.pop("data")
    r = client.request(method, url, params=params, **passed)
    assert r.status_code < 500, f"{method} {url} -> {r.status_code}: {r.text[:300]}"
