"""Inputs of the load scripts, read from the database just before each wrk invocation: random
ids, the update rows with their current versions, a deep cursor, the next free bulk slot, and
the credentials (a fresh access token from a real login, an API key)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.data import UPDATE_ROWS, Dataset, Tenant
from maintainpro.core.pagination import encode_cursor

SAMPLE_IDS = 10_000
LOGIN_ATTEMPTS = 30
DEEP_OFFSET = 0.5  # the deep page starts half-way through the tenant's assets, by name


def post_json(url: str, body: object, token: str | None = None) -> dict[str, object]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, object] = json.loads(response.read())
    return answer


@dataclass
class Fixtures:
    engine: Engine  # maintenance role (BYPASSRLS)
    dataset: Dataset
    out: Path
    run_id: str
    cursor: str = ""

    @property
    def tenant(self) -> Tenant:
        return self.dataset.tenants[0]

    @property
    def ids_path(self) -> Path:
        return self.out / "ids.txt"

    @property
    def rows_path(self) -> Path:
        return self.out / "update-rows.txt"

    def prepare(self) -> None:
        """The fixed inputs: random ids and the deep cursor."""
        org = self.tenant.organization_id
        with self.engine.begin() as conn:
            ids = conn.scalars(
                text(
                    "SELECT id FROM assets WHERE organization_id = :org AND code LIKE 'A-%'"
                    " ORDER BY random() LIMIT :n"
                ),
                {"org": org, "n": SAMPLE_IDS},
            )
            self.ids_path.write_text("\n".join(str(i) for i in ids) + "\n")
            name, last = conn.execute(
                text(
                    "SELECT name, id FROM assets WHERE organization_id = :org"
                    " AND deleted_at IS NULL ORDER BY name, id OFFSET :skip LIMIT 1"
                ),
                {"org": org, "skip": int(self.dataset.assets_per_tenant * DEEP_OFFSET)},
            ).one()
            self.cursor = encode_cursor(name, last)

    def update_rows(self) -> Path:
        """The update scenario's rows with their versions as they are now."""
        codes = [f"A-{n}" for n in range(1, UPDATE_ROWS + 1)]
        with self.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, version FROM assets WHERE organization_id = :org"
                    " AND code = ANY(:codes) AND deleted_at IS NULL ORDER BY code"
                ),
                {"org": self.tenant.organization_id, "codes": codes},
            ).all()
        self.rows_path.write_text("".join(f"{i} {v}\n" for i, v in rows))
        return self.rows_path

    def bulk_start(self, meter_ids: list[str]) -> int:
        """The first free second after the meters' latest reading (epoch seconds)."""
        with self.engine.begin() as conn:
            latest = conn.scalar(
                text(
                    "SELECT max(measured_at) FROM meter_readings"
                    " WHERE organization_id = :org AND meter_id = ANY(CAST(:meters AS uuid[]))"
                ),
                {"org": self.tenant.organization_id, "meters": meter_ids},
            )
        origin = self.origin
        return int(latest.timestamp()) + 1 if latest is not None else origin

    @property
    def origin(self) -> int:
        return int(datetime.fromisoformat(self.dataset.history_start).timestamp())

    def login(self, base_url: str, email: str | None = None) -> str:
        """An access token of the tenant's admin (or of `email`, same password); a server still
        busy with the requests the last scenario abandoned answers 503 for a while."""
        body = {"email": email or self.tenant.admin_email, "password": self.dataset.password}
        for _ in range(LOGIN_ATTEMPTS - 1):
            try:
                return str(post_json(f"{base_url}/api/v1/auth/login", body)["accessToken"])
            except urllib.error.HTTPError as exc:
                if exc.code != 503:
                    raise
                time.sleep(float(exc.headers.get("Retry-After", 2)))
        return str(post_json(f"{base_url}/api/v1/auth/login", body)["accessToken"])

    def api_key(self, base_url: str, token: str) -> str:
        answer = post_json(
            f"{base_url}/api/v1/api-keys",
            {"name": f"bench {self.run_id}", "scopes": ["asset:read"]},
            token,
        )
        return str(answer["key"])
