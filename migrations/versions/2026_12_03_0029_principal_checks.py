"""principal checks: a request re-checks a known principal inside its BEGIN (C1, D4)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03

A request whose caller this process has seen before sends the principal it remembers with its
BEGIN and tenant settings, in the same round trip (core/db.py); these functions raise when the
database no longer agrees (the session or key is not live, the user may not act, the role,
sites or scopes changed), and the request then reads the principal afresh. Nothing is trusted
that the database has not confirmed in the request's own transaction.
"""

from collections.abc import Sequence

from alembic import op

from maintainpro.core.database import Role

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SESSION = "app.require_session_principal(uuid, uuid, uuid, text, uuid[])"
KEY = "app.require_key_principal(uuid, text, uuid, uuid, text, uuid[], text[])"
# Invoker's rights: the caller's RLS and tenant settings apply. The tables are named with their
# schema, so no search path is set (a SET clause would cost a settings save and restore per call).
SITES = """ARRAY(SELECT s.location_id FROM public.user_sites s
                 WHERE s.organization_id = u.organization_id AND s.user_id = u.id
                 ORDER BY s.location_id)"""
CHANGED = "MPCHG"  # SQLSTATE of "the principal is not what the caller remembers"

FUNCTIONS = f"""
CREATE FUNCTION app.require_session_principal(
  org uuid, session_id uuid, person uuid, known_role text, known_sites uuid[]
) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM 1
    FROM public.user_sessions us
    JOIN public.users u ON u.organization_id = us.organization_id AND u.id = us.user_id
   WHERE us.organization_id = org AND us.id = session_id AND us.user_id = person
     AND us.revoked_at IS NULL AND us.expires_at > now()
     AND u.deleted_at IS NULL AND u.is_active
     AND u.role = known_role
     AND {SITES} = ARRAY(SELECT unnest(known_sites) ORDER BY 1);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the session principal changed' USING ERRCODE = '{CHANGED}';
  END IF;
END
$$;
CREATE FUNCTION app.require_key_principal(
  org uuid, key_digest text, key_id uuid, owner uuid, known_role text, known_sites uuid[],
  known_scopes text[]
) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM 1
    FROM public.api_keys k
    JOIN public.users u ON u.organization_id = k.organization_id AND u.id = k.user_id
   WHERE k.organization_id = org AND k.digest = key_digest AND k.id = key_id
     AND k.user_id = owner
     AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
     AND u.deleted_at IS NULL AND u.is_active
     AND u.role = known_role
     AND {SITES} = ARRAY(SELECT unnest(known_sites) ORDER BY 1)
     AND k.scopes::text[] = known_scopes;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the key principal changed' USING ERRCODE = '{CHANGED}';
  END IF;
END
$$;
REVOKE ALL ON FUNCTION {SESSION} FROM PUBLIC;
REVOKE ALL ON FUNCTION {KEY} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {SESSION} TO {Role.APP};
GRANT EXECUTE ON FUNCTION {KEY} TO {Role.APP};
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {KEY}; DROP FUNCTION {SESSION};")
