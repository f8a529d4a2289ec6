"""The API documentation (/docs, /redoc) renders in a real browser under the strict Content-Security-Policy: its
assets come from the service, its inline scripts run by nonce, and nothing is refused (a refusal is a console
error)."""

from __future__ import annotations

import pytest

from tests.browser.test_map import _watch


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", ".api-content h1")])
def test_the_api_documentation_renders_under_the_csp(live_url, browser, path, rendered):
    page = browser.new_page()
    try:
        errors, external = _watch(page, live_url)
        response = page.goto(f"{live_url}{path}")
        assert response is not None
        script_src = next(d for d in response.headers["content-security-policy"].split(";") if "script-src" in d)
        assert "unsafe-inline" not in script_src and "'nonce-" in script_src
        page.wait_for_selector(rendered, timeout=20_000)
        assert "Pesisir" in page.inner_text(rendered)
        # Nothing leaves the service, not even ReDoc's "powered by" logo (vendored: app/static/vendor/README.md).
        outside = {u for u in external if not u.startswith(f"blob:{live_url}")}  # its search worker
        assert errors == [] and outside == set()
    finally:
        page.close()
