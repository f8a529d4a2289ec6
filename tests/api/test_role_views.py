"""What each role may see is written once, in ``app.security`` (``view``), and every surface follows it: the API's
answers, the map's layers, the published layers' audience and the database's row-level security context."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from app.db import rls
from app.security import ALL_ROLES, View, view
from app.services import layers, maps

# The README's role table, as the views say it.
EXPECTED = {
    "admin": View(incidents=True, narratives=True, landings=True, own_harbour_only=False, routes=True),
    "intelligence": View(incidents=True, narratives=True, landings=True, own_harbour_only=False, routes=True),
    "planner": View(incidents=True, narratives=False, landings=False, own_harbour_only=False, routes=True),
    "harbourmaster": View(incidents=False, narratives=False, landings=True, own_harbour_only=True, routes=False),
}


def test_every_role_has_the_view_of_the_role_table():
    assert set(EXPECTED) == ALL_ROLES
    assert {role: view(role) for role in ALL_ROLES} == EXPECTED
    with pytest.raises(ValueError, match="role: unknown role 'guest'"):
        view("guest")


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_the_map_and_the_published_layers_follow_the_view(role):
    seen = view(role)
    scope = maps.scope_for(role, 7)
    assert (scope.incidents, scope.narratives, scope.landings, scope.routes) == (
        seen.incidents,
        seen.narratives,
        seen.landings,
        seen.routes,
    )
    assert scope.harbour_id == (7 if seen.own_harbour_only else None)
    assert layers.audience_for(role) == ("full" if seen.narratives else "planner")
    if seen.routes:  # the published layers are for map readers; of those, who reads landings gets the layer
        assert layers.visible("landings", layers.audience_for(role)) == seen.landings


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_row_level_security_follows_the_view(db, role):
    """The settings the caller's look-up gives the transaction (run by PostgreSQL): one harbour's landings for a
    harbour-bound role, every harbour's for the others."""
    scope, harbour, user = db.execute(select(*rls.context(literal(41), literal(role), literal(7)))).one()  # type: ignore[arg-type]
    if view(role).own_harbour_only:
        assert (scope, harbour) == ("", "7")
    else:
        assert (scope, harbour) == ("all", "")
    assert user == "41"


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_the_api_answers_as_the_view_says(client, headers, role):
    seen = view(role)
    auth = headers[role]
    assert client.get("/api/v1/incidents", headers=auth).status_code == (200 if seen.incidents else 403)
    assert client.get("/api/v1/landings", headers=auth).status_code == (200 if seen.landings else 403)
    assert client.get("/map", params={"tiles": "false"}, headers=auth).status_code == (200 if seen.routes else 403)
    export = client.get("/api/v1/export/landings.csv", headers=auth)
    # Exports are for map readers; of those, only the ones who read narratives get landings.
    assert export.status_code == (200 if seen.routes and seen.narratives else 403), export.text
    if seen.incidents:
        one = client.get("/ogc/collections/incidents/items", params={"limit": 1}, headers=auth)
        assert one.status_code == 200
