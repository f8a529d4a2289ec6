"""Sign-in: the OAuth2 password flow for API clients, and a small login page for the browser map."""

from __future__ import annotations

import html
import time
from contextlib import suppress
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import BearerDep, LimiterDep, SessionDep, SettingsDep, session_cookie
from app.errors import RateLimited, Unauthenticated
from app.schemas import TokenOut
from app.security import COOKIE, HARBOURMASTER, Principal, issue_token, read_token
from app.services import users
from geo import i18n

router = APIRouter(tags=["auth"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password, or disabled"},
    429: {"description": "Too many login attempts for this username or from this address; see Retry-After"},
}

USERNAME_MAX = 64
NEXT_MAX = 1000
"""Where to go after signing in or out: a map address with every query parameter fits."""
PASSWORD_MAX = 1024
Username = Annotated[str, Form(min_length=1, max_length=USERNAME_MAX)]
Password = Annotated[str, Form(min_length=1, max_length=PASSWORD_MAX)]


class PasswordForm:
    """OAuth2's password grant (as ``OAuth2PasswordRequestForm``) with every field's length capped: a username
    is at most 64 characters everywhere (docs/RELIABILITY.md R2-02)."""

    def __init__(
        self,
        username: Username,
        password: Password,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=1000)] = "",
        client_id: Annotated[str | None, Form(max_length=200)] = None,
        client_secret: Annotated[str | None, Form(max_length=200)] = None,
    ) -> None:
        self.username = username
        self.password = password
        self.scopes = scope.split()


def client_address(request: Request) -> str:
    """The caller's address: the connection's peer, or what a trusted proxy says (``PESISIR_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"


def _sign_in(session: SessionDep, limiter: LimiterDep, request: Request, username: str, password: str) -> Principal:
    address = client_address(request)
    limiter.hit(username, address)  # before any hash is computed
    who = users.authenticate(session, username, password)
    limiter.succeeded(username, address)
    return who


@router.post("/auth/token", response_model=TokenOut, responses=_RESPONSES)
def token(
    request: Request,
    form: Annotated[PasswordForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> TokenOut:
    """OAuth2 password flow: a bearer token valid for ``PESISIR_TOKEN_TTL_S`` seconds (15 minutes by default)."""
    who = _sign_in(session, limiter, request, form.username, form.password)
    ttl = settings.auth.token_ttl_s
    return TokenOut(access_token=issue_token(who, request.state.signing_key, ttl), expires_in=ttl)


LoginLang = Literal["id", "en"]

_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:22rem;margin:4rem auto}}label,input,button{{display:block;width:100%;
margin:.3rem 0}}.err{{color:#a00}}</style></head><body><h1>Pesisir</h1>{error}
<form method="post" action="/auth/login"><input type="hidden" name="next" value="{next}">
<input type="hidden" name="lang" value="{lang}">
<label>{username} <input name="username" autocomplete="username" maxlength="{username_max}" required
value="{username_value}"></label>
<label>{password} <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">{submit}</button></form>
<p><a href="/login?{other_query}" lang="{other_lang}">{other}</a></p></body></html>"""


def _safe_next(target: str) -> str:
    """``target`` when it is a path on this site (``/map?lang=en``, its query kept), else ``/map``: never another
    site (``//host``, ``https://host``), and nothing a browser could read as one (a backslash, which browsers treat
    as a slash, or a control character such as a tab, which they drop: ``/\t/host`` would become ``//host``)."""
    parts = urlsplit(target)
    same_site = (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
    )
    return target if same_site else "/map"


def _landing_page(who: Principal, target: str, lang: LoginLang) -> str:
    """Where a sign-in lands: ``target``, except that a harbourmaster, who may not see the risk map, goes to the
    reporting page (in the login page's language) instead of the map or the site's root."""
    if who.role == HARBOURMASTER and target.partition("?")[0] in ("/", "/map"):
        return "/report?lang=en" if lang == "en" else "/report"
    return target


def _lang(lang: str) -> LoginLang:
    return "en" if lang == "en" else "id"


def _page(next: str, lang: LoginLang, *, error: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    words = i18n.tree(lang, "login")  # the catalogue's login.* messages
    other: LoginLang = "id" if lang == "en" else "en"
    target = _safe_next(next)
    return HTMLResponse(
        _PAGE.format(
            lang=lang,
            title=words["title"],
            error=f'<p class="err" role="alert">{html.escape(error)}</p>' if error else "",
            next=html.escape(target, quote=True),
            username=words["username"],
            username_max=USERNAME_MAX,
            username_value=html.escape(username, quote=True),
            password=words["password"],
            submit=words["submit"],
            other_query=html.escape(urlencode({"next": target, "lang": other}), quote=True),
            other_lang=other,
            other=words["other"],
        ),
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(next: str = "/map", lang: str = "id") -> HTMLResponse:
    """The sign-in form, in Bahasa Indonesia (default) or English (``?lang=en``); ``next`` is where it goes after."""
    return _page(next, _lang(lang))


@router.post("/auth/login", include_in_schema=False)
def login_form(
    request: Request,
    username: Username,
    password: Password,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    next: Annotated[str, Form(max_length=NEXT_MAX)] = "/map",
    lang: Annotated[str, Form(max_length=8)] = "id",
) -> Response:
    """The browser sign-in: sets an HttpOnly session cookie holding the token (renewed while used, up to
    ``PESISIR_SESSION_MAX_S``) and goes back to the map. A wrong password
    (401) or too many attempts (429, with Retry-After) shows the form again with a message in the page's
    language, keeping ``next``, ``lang`` and the username."""
    language = _lang(lang)
    try:
        who = _sign_in(session, limiter, request, username, password)
    except Unauthenticated:
        return _page(next, language, error=i18n.gettext(language, "login.wrong"), username=username, status=401)
    except RateLimited as exc:
        page = _page(
            next,
            language,
            error=i18n.gettext(language, "login.limited", retry=exc.retry_after),
            username=username,
            status=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    # A browser session: the token in the cookie is renewed while the map is used (app.deps.get_token_user),
    # each time valid PESISIR_TOKEN_TTL_S seconds, until PESISIR_SESSION_MAX_S after this sign-in.
    now = int(time.time())
    ttl = min(settings.auth.token_ttl_s, settings.auth.session_max_s)
    token = issue_token(who, request.state.signing_key, ttl, session_start=now)
    response = RedirectResponse(_landing_page(who, _safe_next(next), language), status_code=303)
    response.headers.append("set-cookie", session_cookie(token, settings))
    return response


@router.post("/auth/logout", include_in_schema=False)
def logout(
    request: Request,
    session: SessionDep,
    bearer: BearerDep,
    next: Annotated[str | None, Form(max_length=NEXT_MAX)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> RedirectResponse:
    """Sign out: every token of the caller stops working now (bearer or the map's cookie; docs/RELIABILITY.md
    R2-08), and the cookie is removed. Without a valid token it only removes the cookie. Then to the login page,
    in the language ``lang`` and leading back to ``next`` (a path on this site) when the form gives them (the
    map's sign-out button does)."""
    token = bearer or request.cookies.get(COOKIE)
    if token:
        # Already signed out, expired or not ours: nothing to revoke.
        with suppress(Unauthenticated):
            users.sign_out(session, read_token(token, request.state.signing_key))
    query = {k: v for k, v in (("next", next and _safe_next(next)), ("lang", lang and _lang(lang))) if v}
    response = RedirectResponse(f"/login?{urlencode(query)}" if query else "/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
