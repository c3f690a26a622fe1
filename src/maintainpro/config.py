"""Settings: the only place where hosts, secrets and limits come from (environment / .env)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class DatabaseSettings(BaseModel):
    # Server and database, without credentials: postgresql://host:port/dbname
    # (or postgresql:///dbname?host=/socket/dir).
    # Unset: an embedded PostgreSQL is started under `embedded_dir`.
    url: str | None = None
    # Workers LISTEN for new jobs, which PgBouncer in transaction mode cannot carry (D7): when
    # `url` points at PgBouncer, this points straight at PostgreSQL (same form as `url`).
    direct_url: str | None = None
    # Superuser URL used only by `maintainpro db bootstrap` (roles, database, extensions).
    admin_url: SecretStr | None = None
    app_password: SecretStr | None = None
    migrator_password: SecretStr | None = None
    maint_password: SecretStr | None = None
    embedded_dir: Path = Path(".data/postgres")
    pool_size: int = Field(default=10, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=200)
    pool_timeout_s: float = Field(default=10.0, gt=0)
    # Pooled connections older than this are replaced at checkout (no ping per checkout).
    pool_recycle_s: int = Field(default=1800, ge=1)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    # Behind PgBouncer in transaction mode prepared statements must not be cached (D8).
    pgbouncer: bool = False
    retry_attempts: int = Field(default=3, ge=1, le=10)
    retry_base_delay_s: float = Field(default=0.05, ge=0)


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # `maintainpro serve`: N worker processes, each with its own database pool
    # (`database.pool_size` + `database.max_overflow` connections at most per worker).
    workers: int = Field(default=1, ge=1, le=64)
    # How long the server waits for a worker to answer its health check before replacing it;
    # a worker's start-up on a loaded machine takes longer than uvicorn's 5 s default.
    worker_healthcheck_timeout_s: int = Field(default=60, ge=1)
    # Generation-0 threshold of the garbage collector (CPython's default is 700).
    gc_gen0_threshold: int = Field(default=50_000, ge=100)
    cors_origins: list[str] = []
    # The largest bulk-ingestion body (5,000 readings, every field at its longest, indented)
    # is about 1.6 MB; 4 MiB leaves room for escaped non-ASCII sources.
    max_body_bytes: int = Field(default=4 * 1_048_576, ge=1024)
    retry_after_s: int = Field(default=2, ge=1)
    # Reads and submissions per minute and client address on the public request links.
    public_rate_per_minute: int = Field(default=20, ge=1)
    # Set: `/metrics` requires `Authorization: Bearer <token>` (401 otherwise).
    metrics_token: SecretStr | None = None
    # Peers (addresses or networks, comma-separated; "*" for any) whose X-Forwarded-For is
    # believed: the client is then the right-most address of the chain that is not one of them.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = ["127.0.0.1"]
    # Where people reach this installation: printed and shared links (asset labels, request
    # links, calendar feeds) point here.
    public_url: str = "http://127.0.0.1:8000"

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        return (
            [h.strip() for h in value.split(",") if h.strip()] if isinstance(value, str) else value
        )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _valid_hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if host != "*":
                ipaddress.ip_network(host)  # ValueError names the bad entry
        return hosts


class LogSettings(BaseModel):
    level: str = "INFO"
    # Verbose local mode: SQL statements are traced (parameters hidden, D13).
    sql: bool = False
    # One `http.request` line per request; off where a proxy logs requests already.
    access: bool = True


class PartitionSettings(BaseModel):
    months_ahead: int = Field(default=3, ge=1, le=36)
    # `partitions archive` moves closed work older than this out of the live table.
    archive_after_months: int = Field(default=84, ge=3, le=1200)


class WorkerSettings(BaseModel):
    concurrency: int = Field(default=4, ge=1, le=64)
    relay_batch: int = Field(default=500, ge=1, le=10_000)


class WebhookSettings(BaseModel):
    # Private, loopback and shared (CGNAT) targets, for development; link-local and cloud
    # metadata addresses are refused whatever this says.
    allow_private_targets: bool = False
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    # Attempts per delivery (the first and its retries, with exponential backoff and jitter).
    max_attempts: int = Field(default=8, ge=1, le=20)
    # Failed attempts in a row after which a subscription is disabled and its admins told.
    disable_after: int = Field(default=20, ge=1, le=1000)


MIN_SECRET_KEY_BYTES = 32


class AuthSettings(BaseModel):
    # Signs access tokens and derives the key that encrypts TOTP secrets at rest. Unset in
    # development: a random key is created once under the data directory. Required in
    # production, at least MIN_SECRET_KEY_BYTES long (`Settings` refuses to load otherwise).
    secret_key: SecretStr | None = None
    secret_key_file: Path = Path(".data/secret_key")
    access_token_ttl_s: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_s: int = Field(default=30 * 86_400, ge=3600)
    refresh_grace_s: int = Field(default=30, ge=0, le=300)
    password_reset_ttl_s: int = Field(default=3600, ge=300, le=86_400)
    password_min_length: int = Field(default=10, ge=8, le=128)
    # Self-service sign-up of new organizations; off by default in production.
    signup_enabled: bool = True
    signup_rate_per_minute: int = Field(default=5, ge=1)
    # Backoff per (account, client IP).
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_base_s: int = Field(default=30, ge=1)
    lockout_max_s: int = Field(default=3600, ge=1)
    # Backoff per account from any IP: bounds guessing from rotating addresses, capped low so
    # nobody can keep the owner out for long.
    account_lockout_threshold: int = Field(default=10, ge=1, le=1000)
    account_lockout_base_s: int = Field(default=5, ge=1)
    account_lockout_max_s: int = Field(default=300, ge=1)
    # Account-wide failures after which the CAPTCHA hook is asked (auth/captcha.py).
    captcha_after_failures: int = Field(default=5, ge=1)
    login_rate_per_minute: int = Field(default=20, ge=1)
    issuer: str = "maintainpro"


class MailSettings(BaseModel):
    # "file" writes .eml files under `directory` (development); "smtp" sends through `smtp_url`.
    backend: str = Field(default="file", pattern="^(file|smtp)$")
    directory: Path = Path(".data/mail")
    smtp_url: SecretStr | None = None
    sender: str = "MaintAInPro <no-reply@localhost>"
    public_url: str = "http://127.0.0.1:8000"


class AttachmentSettings(BaseModel):
    # Files live under the data directory (`.data/`, beside the embedded database and the mail
    # drop) unless an operator points this elsewhere; the storage backend is local disk.
    directory: Path = Path(".data/attachments")
    # The largest file accepted; the upload route's body limit is this plus the multipart
    # framing (`http.max_body_bytes` applies to every other route).
    max_bytes: int = Field(default=25 * 1_048_576, ge=1024)
    # Content types (as sniffed from the bytes) an upload may have.
    allowed_types: frozenset[str] = frozenset(
        {
            "image/png",
            "image/jpeg",
            "image/webp",
            "image/gif",
            "application/pdf",
            "text/plain",
            "text/csv",
        }
    )
    # The longer side of an image's thumbnail, in pixels.
    thumbnail_px: int = Field(default=320, ge=16, le=2048)


class DemoSettings(BaseModel):
    # Password of every demo user (`maintainpro seed`); demo data is public by nature.
    password: SecretStr = SecretStr("maintainpro-demo")
    email_domain: str = "acme.example.com"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MAINTAINPRO_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: str = "development"
    database: DatabaseSettings = DatabaseSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    partitions: PartitionSettings = PartitionSettings()
    webhooks: WebhookSettings = WebhookSettings()
    worker: WorkerSettings = WorkerSettings()
    auth: AuthSettings = AuthSettings()
    mail: MailSettings = MailSettings()
    attachments: AttachmentSettings = AttachmentSettings()
    demo: DemoSettings = DemoSettings()
    # Installation flags: experimental code paths, switched on by name for the whole
    # installation by its operator only: MAINTAINPRO_FEATURES='["x"]'. An organization's own
    # flags (`organizations.feature_flags`) can never name one of these.
    features: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Settings:
        if self.environment != "production":
            return self
        key = self.auth.secret_key
        if key is None or len(key.get_secret_value().encode()) < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                "production needs MAINTAINPRO_AUTH__SECRET_KEY of at least"
                f" {MIN_SECRET_KEY_BYTES} bytes"
            )
        if "signup_enabled" not in self.auth.model_fields_set:
            self.auth = self.auth.model_copy(update={"signup_enabled": False})
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
