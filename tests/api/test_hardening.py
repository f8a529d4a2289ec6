"""The HTTP surface: security headers, CORS, generic 500s (docs/RELIABILITY.md AZ-13, AZ-14, AZ-17)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings

HEADERS = ("x-content-type-options", "content-security-policy", "strict-transport-security", "x-frame-options")


def test_security_headers_on_2xx_and_4xx(client, headers):
    for r in (
        client.get("/healthz"),
        client.get("/api/v1/islands"),
        client.get("/api/v1/islands", headers=headers["planner"]),
    ):
        for h in HEADERS:
            assert h in r.headers, (r.status_code, h)
        assert r.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_unhandled_error_is_a_generic_500_with_headers(settings, engine):
    app = create_app(settings, engine=engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd SELECT * FROM users")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500 and r.json() == {"detail": "internal server error"}
    assert "secret" not in r.text and "Traceback" not in r.text
    for h in HEADERS:
        assert h in r.headers


def test_cors_is_off_unless_configured(client, headers):
    r = client.get("/api/v1/islands", headers={**headers["planner"], "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options(
        "/api/v1/islands", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in pre.headers


def test_cors_allows_only_configured_origins(engine, cluster):
    s = Settings(
        database=DatabaseSettings(data_dir=cluster.data_dir, name=cluster.dbname),
        server=ServerSettings(cors_origins=["https://ops.example"], rescore_interval_s=0),
        auth=AuthSettings(secret_key="c" * 40),
    )
    with TestClient(create_app(s, engine=engine)) as c:
        ok = c.get("/healthz", headers={"Origin": "https://ops.example"})
        evil = c.get("/healthz", headers={"Origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "https://ops.example"
    assert "access-control-allow-origin" not in evil.headers


def _script_src(policy: str) -> str:
    return next(d for d in policy.split(";") if d.strip().startswith("script-src"))


def test_csp_has_no_unsafe_inline_script_and_no_cdn_and_pages_carry_its_nonce(client, headers):
    """Inline scripts run only with this response's nonce; the docs' assets come from the service itself."""
    import re

    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 200, path
        policy = r.headers["content-security-policy"]
        assert (
            "unsafe-inline" not in _script_src(policy) and "cdn" not in policy and "https:" not in _script_src(policy)
        )
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert "cdn.jsdelivr" not in r.text and "googleapis" not in r.text, path
        tags = re.findall(r"<script[^>]*>", r.text)
        assert tags and all(f'nonce="{nonce}"' in t for t in tags), (path, tags)
        src = re.findall(r'<script[^>]*src="([^"]+)"', r.text)
        assert all(s.startswith("/static/vendor/") for s in src), src
        for s in src:
            assert client.get(s).status_code == 200
    a, b = client.get("/healthz"), client.get("/healthz")
    assert a.headers["content-security-policy"] != b.headers["content-security-policy"]  # a fresh nonce each time
    r = client.get("/map", params={"tiles": "false"}, headers=headers["planner"])
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
    tags = re.findall(r"<script[^>]*>", r.text)
    assert tags and all(f'nonce="{nonce}"' in t for t in tags)
