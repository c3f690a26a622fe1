"""The CAPTCHA hook point of sign-in (D12).

Once an account has `captcha_after_failures` recent failed sign-ins (from any address), every
further attempt on it must also pass the installation's `CaptchaVerifier` before its password is
even checked. The verifier is the route dependency `auth.deps.captcha_verifier`: a deployment
that runs a CAPTCHA service overrides it (`app.dependency_overrides[captcha_verifier] = ...`)
with a callable that checks the login request's `captchaToken` against that service. The default
accepts every attempt, so the account-wide backoff alone bounds guessing.
"""

from __future__ import annotations

from typing import Protocol

from maintainpro.core.errors import Unauthenticated


class CaptchaRequired(Unauthenticated):
    code = "captcha_required"
    title = "CAPTCHA required"


class CaptchaVerifier(Protocol):
    async def __call__(self, *, token: str | None, ip: str | None, failures: int) -> bool:
        """True when the attempt may go on to the password check."""
        ...


async def accept_all(*, token: str | None, ip: str | None, failures: int) -> bool:
    return True
