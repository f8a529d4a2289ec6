"""Users and sign-in: create, list, disable, set passwords; check passwords; load the caller of a request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db.models import User
from app.db.repositories import users as repo
from app.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from app.schemas import UserOut
from app.security import (
    HARBOUR_BOUND,
    Principal,
    TokenClaims,
    burn_password_check,
    hash_password,
    verify_password,
)
from geo.vocabulary import USER_ROLES

MIN_PASSWORD = 10
DEMO_HARBOUR = "kalianget"


def _username(raw: str) -> str:
    name = raw.strip().lower()
    if not 2 <= len(name) <= 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidInput.coded("users.username_rule")
    return name


def _password(raw: str) -> str:
    if len(raw) < MIN_PASSWORD:
        raise InvalidInput.coded("users.password_short", min=MIN_PASSWORD)
    if len(raw) > 1024:
        raise InvalidInput.coded("users.password_long", max=1024)
    return raw


def create_user(
    session: Session, *, username: str, role: str, harbour: str | None, password: str, actor: str = "cli"
) -> UserOut:
    from app.services import audit

    name = _username(username)
    if role not in USER_ROLES:
        raise InvalidInput.coded("users.unknown_role", allowed=", ".join(USER_ROLES), role=repr(role))
    harbour_id = None
    slug = None
    if role in HARBOUR_BOUND:
        if not harbour:
            raise InvalidInput.coded("users.harbour_needed")
        h = repo.harbour_by_slug_or_id(session, harbour)
        if h is None:
            raise InvalidInput.coded("users.unknown_harbour", harbour=repr(harbour))
        harbour_id, slug = h.id, h.slug
    elif harbour:
        raise InvalidInput.coded("users.harbour_not_bound")
    if repo.by_username(session, name) is not None:
        raise Conflict.coded("users.exists", username=repr(name))
    user = repo.add(
        session, username=name, role=role, harbour_id=harbour_id, password_hash=hash_password(_password(password))
    )
    out = UserOut(id=user.id, username=name, role=role, harbour=slug, is_active=True)
    audit.record(session, actor, "create", "user", user.id, after=out.model_dump(mode="json"))
    return out


def list_users(session: Session) -> list[UserOut]:
    return [
        UserOut(id=u.id, username=u.username, role=u.role, harbour=slug, is_active=u.is_active)
        for u, slug in repo.listing(session)
    ]


def _existing(session: Session, username: str) -> tuple[int, bool]:
    user = repo.by_username(session, username.strip().lower())
    if user is None:
        raise NotFound.coded("users.unknown", username=repr(username))
    return user.id, user.is_active


def disable_user(session: Session, username: str, *, actor: str = "cli") -> None:
    from app.services import audit

    user_id, active = _existing(session, username)
    repo.set_fields(session, user_id, is_active=False)
    audit.record(session, actor, "disable", "user", user_id, before={"is_active": active}, after={"is_active": False})


def set_password(session: Session, username: str, password: str, *, actor: str = "cli") -> None:
    from app.services import audit

    user_id, _ = _existing(session, username)
    # A new password revokes every token issued before it (docs/RELIABILITY.md R2-08).
    repo.set_fields(
        session, user_id, password_hash=hash_password(_password(password)), token_version=User.token_version + 1
    )
    audit.record(session, actor, "set_password", "user", user_id)


def authenticate(session: Session, username: str, password: str) -> Principal:
    """The user for a username and password; Unauthenticated (one message for every reason) otherwise."""
    user = repo.by_username(session, username.strip().lower())
    if user is None:
        burn_password_check(password)
        raise Unauthenticated.coded("auth.wrong_credentials")
    ok, new_hash = verify_password(password, user.password_hash)
    if not ok or not user.is_active:
        raise Unauthenticated.coded("auth.wrong_credentials")
    if new_hash:
        repo.set_fields(session, user.id, password_hash=new_hash)
    return Principal(user.id, user.username, user.role, user.harbour_id, user.token_version)


def principal(session: Session, claims: TokenClaims) -> Principal:
    """The caller behind a token, read on every request so that disabling a user, signing out and a new password
    take effect at once (the token's version must still be the user's)."""
    row = repo.active_by_id(session, claims.user_id, claims.version)
    if row is None:
        raise Unauthenticated.coded("auth.token_invalid")
    return Principal(row.id, row.username, row.role, row.harbour_id, claims.version)


def sign_out(session: Session, claims: TokenClaims) -> None:
    """Revoke every token of the caller (this one included), on every device; audited."""
    from app.services import audit

    who = principal(session, claims)
    if repo.bump_token_version(session, who.id, who.token_version):
        audit.record(session, who, "sign_out", "user", who.id)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    harbour: str | None
    password: str


def ensure_demo_users(session: Session) -> list[DemoLogin]:
    """One user per role (``demo-<role>``); created when missing, given a fresh random password each time so
    that the credentials printed by ``pesisir run`` are the ones that work. Re-running adds no users."""
    logins = []
    for role in USER_ROLES:
        username = f"demo-{role}"
        harbour = DEMO_HARBOUR if role in HARBOUR_BOUND else None
        password = secrets.token_urlsafe(12)
        if repo.by_username(session, username) is None:
            create_user(session, username=username, role=role, harbour=harbour, password=password, actor="pesisir run")
        else:
            set_password(session, username, password, actor="pesisir run")
            user = repo.by_username(session, username)
            assert user is not None
            if not user.is_active:
                repo.set_fields(session, user.id, is_active=True)
        logins.append(DemoLogin(username, role, harbour, password))
    return logins
