"""Row-level security on ``landings``: which rows the application role sees in a transaction.

Migration 0005 creates the service's role ``APP_ROLE`` and a policy on ``landings`` that reads two
transaction-local settings:

- ``pesisir.scope = 'all'``: every harbour's landings (intelligence, admin and planners, whose view the service
  layer trims further; background re-scoring);
- ``pesisir.harbour_id = <id>``: that harbour's landings only (a harbourmaster);
- neither: no landings at all. A connection that forgot to say who it works for sees nothing.

``idempotency_keys`` has a policy too: a user's own keys only (``pesisir.user_id``), as they hold the answers
(landings) given to that user.

The settings are set with ``set_config(..., true)``, so they end with the transaction and never leak to the next
user of a pooled connection. A request sets them in the same SELECT that loads its caller
(``app.db.repositories.users.active_by_id``, through ``context``): no extra round trip. Other work the service
does as the application role calls ``see_all``. The schema's owner (migrations, the CLI) is not subject to the
policy unless the table is switched to ``FORCE ROW LEVEL SECURITY``; a superuser never is.
"""

from __future__ import annotations

from sqlalchemy import Label, String, case, cast, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from app.security import HARBOUR_BOUND

APP_ROLE = "pesisir_app"
"""The service's database role (created by migration 0005, which spells the name out: keep them equal)."""
SCOPE = "pesisir.scope"
HARBOUR = "pesisir.harbour_id"
USER = "pesisir.user_id"
ALL = "all"


def context(
    user_id: QueryableAttribute[int], role: QueryableAttribute[str], harbour_id: QueryableAttribute[int | None]
) -> tuple[Label[str], Label[str], Label[str]]:
    """Three columns to add to the query that loads a request's caller: evaluated for the caller's row, they set
    ``pesisir.scope`` and ``pesisir.harbour_id`` (a role in ``app.security.HARBOUR_BOUND``, the harbourmaster:
    their harbour; any other role: all) and
    ``pesisir.user_id`` for the rest of the transaction. No row (unknown or disabled user): nothing is set, and
    no landing or idempotency key is visible."""
    bound = role.in_(sorted(HARBOUR_BOUND))
    scope = case((bound, ""), else_=ALL)
    harbour = case((bound, func.coalesce(cast(harbour_id, String), "")), else_="")
    return (
        func.set_config(SCOPE, scope, True).label("rls_scope"),
        func.set_config(HARBOUR, harbour, True).label("rls_harbour"),
        func.set_config(USER, cast(user_id, String), True).label("rls_user"),
    )


def see_all(session: Session) -> None:
    """Let the rest of this transaction see every harbour's landings: for work the service does on its own
    account (re-scoring), never on a request's behalf."""
    session.execute(
        select(func.set_config(SCOPE, ALL, True), func.set_config(HARBOUR, "", True), func.set_config(USER, "", True))
    )
