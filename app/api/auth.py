"""Sign-in: the OAuth2 password flow for API clients, and a small login page for the browser map."""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import LimiterDep, SessionDep, SettingsDep
from app.schemas import TokenOut
from app.security import COOKIE, issue_token
from app.services import users

router = APIRouter(tags=["auth"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password, or disabled"},
    429: {"description": "Too many login attempts for this username; see Retry-After"},
}


@router.post("/auth/token", response_model=TokenOut, responses=_RESPONSES)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> TokenOut:
    """OAuth2 password flow: a bearer token valid for ``PESISIR_TOKEN_TTL_S`` seconds (15 minutes by default)."""
    limiter.hit(form.username)
    who = users.authenticate(session, form.username, form.password)
    ttl = settings.auth.token_ttl_s
    return TokenOut(access_token=issue_token(who, request.state.signing_key, ttl), expires_in=ttl)


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pesisir: sign in</title>
<style>body{{font-family:sans-serif;max-width:22rem;margin:4rem auto}}label,input,button{{display:block;width:100%;
margin:.3rem 0}}.err{{color:#a00}}</style></head><body><h1>Pesisir</h1>{error}
<form method="post" action="/auth/login"><input type="hidden" name="next" value="{next}">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>"""


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/map"


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(next: str = "/map", error: str | None = None) -> HTMLResponse:
    message = f'<p class="err">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(_PAGE.format(error=message, next=html.escape(_safe_next(next), quote=True)))


@router.post("/auth/login", include_in_schema=False)
def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    next: Annotated[str, Form(max_length=200)] = "/map",
) -> RedirectResponse:
    """The browser sign-in: sets an HttpOnly cookie holding the token and goes back to the map."""
    limiter.hit(username)
    who = users.authenticate(session, username, password)
    ttl = settings.auth.token_ttl_s
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        issue_token(who, request.state.signing_key, ttl),
        max_age=ttl,
        httponly=True,
        samesite="strict",
        secure=settings.server.environment == "production",
    )
    return response


@router.post("/auth/logout", include_in_schema=False)
def logout() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
