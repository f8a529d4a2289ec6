"""``pesisir run``'s demo logins: one user per role, idempotent, and the printed passwords work."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db.models import User
from app.services import users


def test_demo_users_one_per_role_idempotent_and_passwords_work(db):
    first = users.ensure_demo_users(db)
    assert sorted(login.role for login in first) == ["admin", "harbourmaster", "intelligence", "planner"]
    second = users.ensure_demo_users(db)
    n = db.execute(select(func.count()).select_from(User).where(User.username.like("demo-%"))).scalar_one()
    assert n == 4
    hm = next(login for login in second if login.role == "harbourmaster")
    assert hm.harbour == "kalianget"
    who = users.authenticate(db, hm.username, hm.password)
    assert who.role == "harbourmaster" and who.harbour_id is not None
