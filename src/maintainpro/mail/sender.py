"""Outgoing mail behind one small interface: `.eml` files in development (D12), SMTP otherwise."""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from uuid_utils.compat import uuid7

from maintainpro.config import MailSettings

SMTP_TIMEOUT_S = 30.0
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class FileMailSender:
    """One file per message. Mails carry tokens, so files are readable by their owner only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message.as_bytes())

    def _write(self, data: bytes) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600; the rename makes it appear complete or not at
        # all. UUIDv7 names are unique and sort by time, so the newest mail is the last file.
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.directory / f"{uuid7()}.eml")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class SmtpMailSender:
    """smtp://user:pass@host:port (plain), smtp+starttls://... (upgraded), smtps://... (TLS)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("the SMTP URL must look like smtp[+starttls|s]://user:pass@host:port")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    async def send(self, message: EmailMessage) -> None:
        # smtplib blocks; a thread keeps the event loop serving other requests meanwhile.
        await asyncio.to_thread(self._send, message)

    def _connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_S, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)

    def _send(self, message: EmailMessage) -> None:
        with self._connect() as smtp:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.username is not None:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def build_sender(settings: MailSettings) -> MailSender:
    if settings.backend == "file":
        return FileMailSender(settings.directory)
    if settings.smtp_url is None:
        raise ValueError("mail.backend is smtp but mail.smtp_url is not set")
    return SmtpMailSender(settings.smtp_url.get_secret_value())
