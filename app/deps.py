"""FastAPI dependencies as ``Annotated`` aliases. The session dependency is the unit of work: it commits when
the route returns and rolls back when it raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from app.db.session import describe
from app.errors import DatabaseUnavailable
from app.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.state.settings


def get_engine(request: Request) -> Engine:
    return request.state.engine


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.state.sessionmaker()
    try:
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise DatabaseUnavailable(f"database at {describe(session.get_bind().engine.url)} unavailable") from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
# scope="function": commit before the response is sent, so a client never sees 201 for a write that a crash
# between response and commit would lose (FastAPI otherwise runs yield-dependency exits after the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# For streamed reads (exports): request scope keeps the session open until the last chunk has been sent.
StreamingSessionDep = Annotated[Session, Depends(get_session)]
