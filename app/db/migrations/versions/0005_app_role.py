"""the service's own database role: least privilege, audit_log insert-only, row-level security on landings

Revision ID: 0005_app_role
Revises: 0004_auth
Create Date: 2026-11-29

The web service connects as ``pesisir_app`` (``app.db.rls.APP_ROLE``): not a superuser, owner of nothing, so
row-level security applies to it and it cannot alter, disable triggers on, or truncate any table. Migrations and
the CLI keep connecting as the schema's owner. The role is cluster-wide: created when missing (a DBA may create
it beforehand, with a password, or make other login roles members of it), granted rights in this database only.

A later migration that adds a table must grant ``pesisir_app`` what the service needs on it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_app_role"
down_revision: str | None = "0004_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"

# What the service does with each table, no more. Loading base data, segmenting, fitting and evaluating are CLI
# work done as the owner. audit_log: read and append, never change (AZ-19; the 0004 trigger stays as a second
# lock, for the owner too). users: the service only re-hashes passwords on sign-in.
GRANTS = {
    "islands": "SELECT",
    "harbours": "SELECT",
    "patrol_bases": "SELECT",
    "coastal_segments": "SELECT",
    "model_evaluations": "SELECT",
    "users": "SELECT, UPDATE (password_hash)",
    "incidents": "SELECT, INSERT, UPDATE",
    "landings": "SELECT, INSERT, UPDATE",
    "segment_scores": "SELECT, INSERT, UPDATE, DELETE",  # re-scoring replaces a model version's scores
    "idempotency_keys": "SELECT, INSERT, UPDATE",
    "audit_log": "SELECT, INSERT",
}

CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL;  -- another database's migration created it at the same moment
END
$$;
DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {ROLE}', current_database()); END $$;
GRANT USAGE ON SCHEMA public TO {ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE};
"""

# A harbourmaster's transaction carries pesisir.harbour_id; everyone else's that may see all carries
# pesisir.scope = 'all' (app.db.rls). Neither: no rows. Idempotency keys (which hold the answers given) are
# their user's only: pesisir.user_id. The same expression checks inserted and updated rows, so
# a harbourmaster cannot write a landing for another harbour either. For every role: the owner is exempt unless
# the table is FORCEd, a superuser always.
POLICY = """
ALTER TABLE landings ENABLE ROW LEVEL SECURITY;
CREATE POLICY landings_by_harbour ON landings
    USING (
        current_setting('pesisir.scope', true) = 'all'
        OR harbour_id = nullif(current_setting('pesisir.harbour_id', true), '')::integer
    );
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY idempotency_keys_own ON idempotency_keys
    USING (user_id = nullif(current_setting('pesisir.user_id', true), '')::integer);
"""

DROP_ROLE = f"""
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM {ROLE}', current_database());
    -- Still granted something in another database of the cluster: leave the role to that one's downgrade.
    IF NOT EXISTS (
        SELECT FROM pg_shdepend d JOIN pg_roles r ON d.refobjid = r.oid AND d.refclassid = 'pg_authid'::regclass
        WHERE r.rolname = '{ROLE}'
    ) THEN
        DROP ROLE {ROLE};
    END IF;
END
$$;
"""


def upgrade() -> None:
    op.execute(CREATE_ROLE)
    for table, rights in GRANTS.items():
        op.execute(f"GRANT {rights} ON {table} TO {ROLE}")
    op.execute(POLICY)


def downgrade() -> None:
    for table, policy in (("landings", "landings_by_harbour"), ("idempotency_keys", "idempotency_keys_own")):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in GRANTS:
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
    op.execute(DROP_ROLE)
