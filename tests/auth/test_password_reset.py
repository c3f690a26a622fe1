"""Password reset by a mailed, single-use, expiring token (C2, D4, D12), through HTTP."""

from __future__ import annotations

import email
import email.policy
import re
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.app import create_app
from maintainpro.config import MailSettings, Settings
from maintainpro.core import context, tokens
from maintainpro.core.db import Database
from maintainpro.mail.sender import FileMailSender, SmtpMailSender, build_sender
from maintainpro.models import PasswordResetToken, User
from tests.factories.http import login
from tests.factories.identity import PASSWORD, Tenant

REQUEST = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"\S+/reset-password\?\S+")


def with_mail(settings: Settings, directory: Path, **auth: object) -> Settings:
    return settings.model_copy(
        update={
            "mail": settings.mail.model_copy(update={"directory": directory}),
            "auth": settings.auth.model_copy(update=auth),
        }
    )


@asynccontextmanager
async def open_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def mail_settings(settings: Settings, mailbox: Path) -> Settings:
    return with_mail(settings, mailbox)


@pytest.fixture
async def http(
    mail_settings: Settings, test_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    async with open_client(mail_settings, test_database) as client:
        yield client


def mails(mailbox: Path) -> list[EmailMessage]:
    """Oldest first: the file names are UUIDv7s."""
    files = sorted(mailbox.glob("*.eml")) if mailbox.exists() else []
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    return [m for m in parsed if isinstance(m, EmailMessage)]


def token_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None, "the mail carries a reset link"
    return parse_qs(urlsplit(found.group()).query)["token"][0]


async def mailed_token(http: httpx.AsyncClient, mailbox: Path, address: str) -> str:
    response = await http.post(REQUEST, json={"email": address})
    assert response.status_code == 202, response.text
    return token_of(mails(mailbox)[-1])


async def confirm(http: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await http.post(CONFIRM, json={"token": token, "newPassword": password})


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("token", "invalid_token")
    ]


async def test_request_mails_a_link_and_stores_only_the_digest(
    http: httpx.AsyncClient,
    mailbox: Path,
    mail_settings: Settings,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user = acme.users["technician"]
    response = await http.post(REQUEST, json={"email": user.email.upper()})
    assert response.status_code == 202, response.text
    [message] = mails(mailbox)
    assert message["To"] == user.email
    assert message["From"] == mail_settings.mail.sender
    assert "reset" in message["Subject"].lower()
    token = token_of(message)
    assert token not in response.text
    parsed = tokens.parse(token, kind="reset")
    assert parsed is not None
    assert parsed.organization_id == acme.organization_id
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            stored = (await session.scalars(select(PasswordResetToken))).all()
    assert [(row.user_id, row.digest, row.used_at) for row in stored] == [
        (user.id, parsed.digest, None)
    ]
    ttl = stored[0].expires_at - stored[0].created_at
    assert abs(ttl - timedelta(seconds=mail_settings.auth.password_reset_ttl_s)).total_seconds() < 5


async def test_unknown_or_inactive_accounts_get_the_same_answer_and_no_mail(
    http: httpx.AsyncClient,
    mailbox: Path,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inactive = acme.users["requester"]
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(
                update(User).where(User.id == inactive.id).values(is_active=False)
            )
    unknown = await http.post(REQUEST, json={"email": "nobody@nowhere.example.com"})
    disabled = await http.post(REQUEST, json={"email": inactive.email})
    assert mails(mailbox) == []
    known = await http.post(REQUEST, json={"email": acme.users["admin"].email})
    assert len(mails(mailbox)) == 1
    assert unknown.status_code == disabled.status_code == known.status_code == 202
    assert unknown.json() == disabled.json() == known.json()


async def test_confirm_changes_the_password_and_ends_every_session(
    http: httpx.AsyncClient, mailbox: Path, acme: Tenant
) -> None:
    user = acme.users["manager"]
    assert (await http.get("/api/v1/auth/me", headers=acme.headers("manager"))).status_code == 200
    token = await mailed_token(http, mailbox, user.email)
    response = await confirm(http, token, NEW_PASSWORD)
    assert response.status_code == 204, response.text
    assert (await login(http, user.email, NEW_PASSWORD)).status_code == 200
    assert (await login(http, user.email, PASSWORD)).status_code == 401
    assert (await http.get("/api/v1/auth/me", headers=acme.headers("manager"))).status_code == 401
    # Other users of the organization keep their sessions.
    assert (await http.get("/api/v1/auth/me", headers=acme.headers("admin"))).status_code == 200


async def test_a_token_works_once(http: httpx.AsyncClient, mailbox: Path, acme: Tenant) -> None:
    token = await mailed_token(http, mailbox, acme.users["admin"].email)
    assert (await confirm(http, token, NEW_PASSWORD)).status_code == 204
    assert_invalid_token(await confirm(http, token, "yet another long password"))
    assert (await login(http, acme.users["admin"].email, NEW_PASSWORD)).status_code == 200


async def test_a_new_request_voids_the_earlier_link(
    http: httpx.AsyncClient, mailbox: Path, acme: Tenant
) -> None:
    first = await mailed_token(http, mailbox, acme.users["admin"].email)
    second = await mailed_token(http, mailbox, acme.users["admin"].email)
    assert first != second
    assert_invalid_token(await confirm(http, first, NEW_PASSWORD))
    assert (await confirm(http, second, NEW_PASSWORD)).status_code == 204


async def test_an_expired_token_is_refused(
    http: httpx.AsyncClient,
    mailbox: Path,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    token = await mailed_token(http, mailbox, acme.users["admin"].email)
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(
                update(PasswordResetToken).values(expires_at=datetime.now(UTC) - timedelta(1))
            )
    assert_invalid_token(await confirm(http, token, NEW_PASSWORD))
    assert (await login(http, acme.users["admin"].email, PASSWORD)).status_code == 200


async def test_a_short_password_is_refused_and_the_token_kept(
    http: httpx.AsyncClient, mailbox: Path, acme: Tenant
) -> None:
    token = await mailed_token(http, mailbox, acme.users["admin"].email)
    response = await confirm(http, token, "short")
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("newPassword", "too_short")
    ]
    assert (await confirm(http, token, NEW_PASSWORD)).status_code == 204


async def test_a_token_under_another_organization_prefix_is_refused(
    http: httpx.AsyncClient, mailbox: Path, acme: Tenant, globex: Tenant
) -> None:
    token = await mailed_token(http, mailbox, acme.users["admin"].email)
    forged = token.replace(acme.organization_id.hex, globex.organization_id.hex)
    assert forged != token
    assert_invalid_token(await confirm(http, forged, NEW_PASSWORD))
    for user in (acme.users["admin"], globex.users["admin"]):
        assert (await login(http, user.email, PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["garbage", "mp_reset_nothex.secret", "mp_refresh_" + "0" * 32 + "." + "a" * 43],
)
async def test_malformed_tokens_are_refused(http: httpx.AsyncClient, token: str) -> None:
    assert_invalid_token(await confirm(http, token, NEW_PASSWORD))


async def test_requests_are_rate_limited_per_client(
    settings: Settings, test_database: Database, mailbox: Path
) -> None:
    limited = with_mail(settings, mailbox, login_rate_per_minute=2)
    async with open_client(limited, test_database) as http:
        answers = [
            (await http.post(REQUEST, json={"email": "x@example.com"})).status_code
            for _ in range(3)
        ]
    assert answers == [202, 202, 429]


async def test_the_token_never_reaches_a_log_line(
    settings: Settings,
    test_database: Database,
    mailbox: Path,
    acme: Tenant,
    capsys: pytest.CaptureFixture[str],
) -> None:
    verbose = with_mail(settings, mailbox).model_copy(
        update={"log": settings.log.model_copy(update={"sql": True, "level": "DEBUG"})}
    )
    async with open_client(verbose, test_database) as http:
        token = await mailed_token(http, mailbox, acme.users["admin"].email)
        assert (await confirm(http, token, NEW_PASSWORD)).status_code == 204
    output = capsys.readouterr().err
    assert "auth.password_reset.completed" in output, "the logs were captured"
    secret = token.partition(".")[2]
    assert token not in output
    assert secret not in output


async def test_file_sender_writes_private_complete_files(tmp_path: Path) -> None:
    directory = tmp_path / "nested" / "mail"
    sender = FileMailSender(directory)
    for subject in ("First", "Second"):
        message = EmailMessage()
        message["To"] = "someone@example.com"
        message["Subject"] = subject
        message.set_content("Hello")
        await sender.send(message)
    files = sorted(directory.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"], "no temporary file is left behind"
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    texts = [f.read_text() for f in files]
    assert "To: someone@example.com" in texts[0]
    assert ["Subject: First" in texts[0], "Subject: Second" in texts[1]] == [True, True]


def test_build_sender_follows_the_settings(tmp_path: Path) -> None:
    sender = build_sender(MailSettings(backend="file", directory=tmp_path))
    assert isinstance(sender, FileMailSender)
    assert sender.directory == tmp_path
    url = SecretStr("smtp+starttls://mailer:p%40ss@smtp.example.com")
    smtp = build_sender(MailSettings(backend="smtp", smtp_url=url))
    assert isinstance(smtp, SmtpMailSender)
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == (
        "smtp.example.com",
        587,
        "mailer",
        "p@ss",
    )
    with pytest.raises(ValueError, match="smtp_url"):
        build_sender(MailSettings(backend="smtp"))
    with pytest.raises(ValueError, match="SMTP URL"):
        SmtpMailSender("http://smtp.example.com")
