"""Settings, grouped by concern. The only module that reads the environment (prefix ``PESISIR_``).

Each group is its own ``BaseSettings`` so that the documented variable names stay flat
(``PESISIR_DATABASE_URL``, ``PESISIR_DATA_DIR``, ``PESISIR_PORT``) while code and tests pass groups explicitly::

    Settings(database=DatabaseSettings(url="postgresql://...", data_dir=tmp_path))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_ENV = SettingsConfigDict(env_prefix="PESISIR_", extra="ignore", env_file=None, populate_by_name=True)


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity, which ``taskset`` and ``docker --cpuset-cpus`` narrow;
    ``os.cpu_count()`` where the platform has no affinity). A CPU quota (``docker --cpus``) is not seen: set
    ``PESISIR_WORKERS`` then."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def default_data_dir() -> Path:
    """Where Pesisir keeps its private PostgreSQL cluster when no database URL is given.

    As root the cluster runs as the ``postgres`` user, which cannot enter ``/root``: use ``/var/lib/pesisir``.
    Anyone else gets the XDG data directory.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/pesisir")
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "pesisir"


class DatabaseSettings(BaseSettings):
    """Which PostgreSQL/PostGIS to use."""

    model_config = _ENV

    url: SecretStr | None = Field(
        default=None,
        validation_alias="PESISIR_DATABASE_URL",
        description="An external server (postgresql://user:password@host:port/db) as the application's own role "
        "(pesisir_app, never a superuser or the tables' owner): what the web service connects with. "
        "Unset: a private cluster.",
    )
    owner_url: SecretStr | None = Field(
        default=None,
        validation_alias="PESISIR_DATABASE_OWNER_URL",
        description="The same external database as the role that owns the schema: what migrations, data loading "
        "and the other CLI commands connect with. Required with PESISIR_DATABASE_URL for those commands.",
    )
    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="PESISIR_DATA_DIR")
    name: str = Field(default="pesisir", validation_alias="PESISIR_DATABASE_NAME")
    pool_size: int = Field(default=20, ge=1, le=200)
    # Short: with every connection busy a request gets 503 + Retry-After quickly instead of queueing behind them
    # (docs/RELIABILITY.md LD-04, R2-03).
    pool_timeout_s: float = Field(default=2.0, gt=0)

    @field_validator("url", "owner_url")
    @classmethod
    def _postgres_only(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith(("postgresql://", "postgresql+psycopg://")):
            name = "PESISIR_DATABASE_OWNER_URL" if info.field_name == "owner_url" else "PESISIR_DATABASE_URL"
            raise ValueError(f"{name} must start with postgresql:// (or postgresql+psycopg://)")
        return v

    @model_validator(mode="after")
    def _owner_url_goes_with_url(self) -> DatabaseSettings:
        if self.owner_url is not None and self.url is None:
            raise ValueError(
                "PESISIR_DATABASE_OWNER_URL is set but PESISIR_DATABASE_URL is not: set both (an external "
                "database) or neither (the private cluster)"
            )
        return self


class ServerSettings(BaseSettings):
    """Where and how the HTTP service listens."""

    model_config = _ENV

    host: str = Field(default="127.0.0.1", validation_alias="PESISIR_HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="PESISIR_PORT")
    environment: Literal["dev", "production"] = Field(default="dev", validation_alias="PESISIR_ENV")
    docs_enabled: bool | None = Field(
        default=None,
        validation_alias="PESISIR_DOCS",
        description="Serve /docs, /redoc and /openapi.json. Unset: on in dev, off in production.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        validation_alias="PESISIR_CORS_ORIGINS",
        description="Browser origins allowed to call the API (JSON list). Empty: no CORS headers at all.",
    )
    public_url: str | None = Field(
        default=None,
        validation_alias="PESISIR_PUBLIC_URL",
        description="The service's address as its users reach it (https://pesisir.example.org, or with a path "
        "prefix): links in answers (OGC API Features) are built from it, never from the request's Host header, "
        "and its host is allowed.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        validation_alias="PESISIR_ALLOWED_HOSTS",
        description="Host names a request may name in its Host header (JSON list; '*.example.org' matches "
        "subdomains, '*' any). Any other Host is refused with 400.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        validation_alias="PESISIR_TRUSTED_PROXIES",
        description="Addresses (or networks) of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are "
        "believed (JSON list). Empty: the client address is the connection's peer and the headers are ignored.",
    )
    workers: int = Field(
        default_factory=default_workers,
        ge=1,
        validation_alias="PESISIR_WORKERS",
        description="Web server processes (uvicorn workers) for `pesisir serve` and `pesisir run`. Unset: one per "
        "core. Login limits, export turns and token versions live in PostgreSQL, so any number behaves as one "
        "(docs/RELIABILITY.md R2-10). Each has its own connection pool (PESISIR_POOL_SIZE, up to twice that).",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, validation_alias="PESISIR_MAX_BODY_BYTES")
    rescore_interval_s: float = Field(
        default=60.0,
        ge=0,
        validation_alias="PESISIR_RESCORE_INTERVAL_S",
        description="How often the background refresher re-scores stale segments; 0 turns it off.",
    )

    install_dir: Path = Field(
        default=Path("/opt/pesisir"),
        validation_alias="PESISIR_INSTALL_DIR",
        description="Where 'pesisir run' and 'pesisir serve', started by root, install the service's code and "
        "environment for the unprivileged user 'pesisir' that serves it (app.runas).",
    )
    serve_as_root: bool = Field(
        default=False,
        validation_alias="PESISIR_SERVE_AS_ROOT",
        description="Let 'pesisir serve' started by root serve as root instead of handing over to the user "
        "'pesisir'. For throwaway test and benchmark servers only; it is logged as a warning.",
    )
    export_timeout_s: float = Field(
        default=600.0,
        gt=0,
        validation_alias="PESISIR_EXPORT_TIMEOUT_S",
        description="The longest an export over HTTP may run; past it the export stops (docs/RELIABILITY.md LD-03).",
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                "PESISIR_PUBLIC_URL: an http(s) URL with a host and no query, e.g. https://pesisir.example.org"
            )
        return v.rstrip("/")

    @property
    def hosts(self) -> list[str]:
        """The Host names answered: ``allowed_hosts`` and the public URL's host."""
        public = urlsplit(self.public_url).hostname if self.public_url else None
        return [*self.allowed_hosts, *([public] if public else [])]

    @property
    def docs(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else self.environment == "dev"


MIN_SECRET_LENGTH = 32
DEFAULT_SECRETS = frozenset({"", "secret", "changeme", "change-me", "dev", "pesisir"})


class AuthSettings(BaseSettings):
    """Sign-in: the token signing secret, token lifetime and the login rate limit."""

    model_config = _ENV

    secret_key: SecretStr | None = Field(
        default=None,
        validation_alias="PESISIR_SECRET_KEY",
        description="HMAC key signing access tokens (at least 32 characters). Required outside dev.",
    )
    token_ttl_s: int = Field(default=900, ge=60, le=86_400, validation_alias="PESISIR_TOKEN_TTL_S")
    session_max_s: int = Field(
        default=43_200,
        ge=60,
        le=7 * 86_400,
        validation_alias="PESISIR_SESSION_MAX_S",
        description="The longest a sign-in on the login page lasts: its cookie's token is renewed while used "
        "(each renewal valid PESISIR_TOKEN_TTL_S seconds), until this many seconds after signing in.",
    )
    login_attempts_per_minute: int = Field(
        default=5,
        ge=1,
        validation_alias="PESISIR_LOGIN_ATTEMPTS_PER_MINUTE",
        description="Login attempts per username per minute: from one address, and from every address the user "
        "has not signed in from lately taken together.",
    )
    login_attempts_per_address_per_minute: int = Field(
        default=20,
        ge=1,
        validation_alias="PESISIR_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE",
        description="Login attempts per client address per minute, whatever the usernames (checked before any "
        "password is hashed).",
    )


class DemoSettings(BaseSettings):
    """The synthetic demo data that ``pesisir run`` loads."""

    model_config = _ENV

    seed: int = Field(default=7, validation_alias="PESISIR_DEMO_SEED")
    enabled: bool = Field(default=True, validation_alias="PESISIR_DEMO_DATA")


class RoutesSettings(BaseSettings):
    """Where the sea graph lives (``pesisir routes build`` writes it, the routes API reads it)."""

    model_config = _ENV

    dir: Path | None = Field(
        default=None,
        validation_alias="PESISIR_ROUTES_DIR",
        description="The sea graph's directory. Unset: <PESISIR_DATA_DIR>/routes.",
    )


class AlertSettings(BaseSettings):
    """Alert delivery (issue 14): how often the outbox is polled, the retry back-off, the webhook hosts allowed on
    private addresses, and the SMTP server for e-mail targets."""

    model_config = _ENV

    delivery_interval_s: float = Field(
        default=5.0,
        ge=0,
        validation_alias="PESISIR_ALERT_DELIVERY_INTERVAL_S",
        description="How often each worker looks for alert deliveries that are due; 0 pauses delivery (alerts "
        "are still written and listed, and are sent once delivery runs again).",
    )
    retry_base_s: float = Field(
        default=30.0,
        gt=0,
        validation_alias="PESISIR_ALERT_RETRY_BASE_S",
        description="The first retry of a failed delivery waits this long; each further one twice as long as the last.",
    )
    retry_max_s: float = Field(
        default=3600.0,
        gt=0,
        validation_alias="PESISIR_ALERT_RETRY_MAX_S",
        description="The longest wait between two attempts of one delivery (retries go on until one succeeds).",
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120, validation_alias="PESISIR_WEBHOOK_TIMEOUT_S")
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        validation_alias="PESISIR_WEBHOOK_ALLOWED_HOSTS",
        description="Webhook host names (JSON list) allowed although they resolve to a private, loopback or "
        "link-local address. Every other such webhook is refused, at subscription and again at delivery.",
    )
    smtp_host: str | None = Field(
        default=None,
        validation_alias="PESISIR_SMTP_HOST",
        description="The SMTP server e-mail alerts are sent through. Unset: subscriptions with an e-mail target "
        "are refused.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="PESISIR_SMTP_PORT")
    smtp_user: str | None = Field(default=None, validation_alias="PESISIR_SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="PESISIR_SMTP_PASSWORD")
    smtp_from: str = Field(default="pesisir@localhost", validation_alias="PESISIR_SMTP_FROM")
    smtp_starttls: bool = Field(
        default=True,
        validation_alias="PESISIR_SMTP_STARTTLS",
        description="Upgrade the SMTP connection with STARTTLS before signing in or sending.",
    )


class Settings(BaseModel):
    """All of Pesisir's settings. ``Settings()`` reads the environment; tests build it explicitly."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    routes: RoutesSettings = Field(default_factory=RoutesSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @property
    def routes_dir(self) -> Path:
        """The sea graph's directory: ``PESISIR_ROUTES_DIR``, else ``routes`` in the data directory (which exists
        with an external database too: nothing else is kept there then)."""
        return self.routes.dir if self.routes.dir is not None else self.database.data_dir / "routes"

    @property
    def models_dir(self) -> Path:
        """Where ``pesisir model fit`` writes fitted weights and scoring reads them: ``models`` in the data
        directory. Never the tracked ``data/models`` (the shipped expert prior)."""
        return self.database.data_dir / "models"
