"""The instance a command works on: found from the settings, and refused until `lianjian init`.

Opening a SQLite database creates its file, so a command run before `init` would leave an
empty database behind and then fail on a missing table. Every command but `init` and `demo`
looks first: the SQLite file must exist and every migration must be applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import peewee
from flask import Flask

from inspect_app import config, migrate
from inspect_app.app import create_app
from inspect_app.cli.base import Refusal
from inspect_app.db import open_database

SQLITE_PREFIX = "sqlite:///"


def not_initialised(home: str) -> Refusal:
    return Refusal(
        f"实例尚未初始化（{home}）：请先运行 `lianjian init`，或设置 LIANJIAN_HOME 指向已有实例",
        f"The instance at {home} is not initialised: run `lianjian init` first, "
        "or set LIANJIAN_HOME to an existing one",
    )


def sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix(SQLITE_PREFIX)) if url.startswith(SQLITE_PREFIX) else None


def shown_url(url: str) -> str:
    """A database URL without its password, for messages."""
    return url.split("@")[-1] if "@" in url else url


def initialised_app() -> Flask:
    """The app on the configured instance, refused before anything is created if it was never
    initialised."""
    require_schema(config.from_environment())
    return create_app()


def require_schema(settings: dict[str, Any]) -> None:
    """Every migration applied, else a refusal naming `lianjian init`. Checked on a connection
    of its own, closed at once: a worker forks, and its children must not share it."""
    path = sqlite_file(settings["DATABASE_URL"])
    if path is not None and not path.is_file():
        raise not_initialised(settings["LIANJIAN_HOME"])
    db = open_database(settings["DATABASE_URL"])
    try:
        states = migrate.status(db)
    except peewee.OperationalError as error:
        raise unreachable(settings["DATABASE_URL"], error) from error
    finally:
        db.close()
    applied = [name for name, done in states if done]
    if not applied:
        raise not_initialised(settings["LIANJIAN_HOME"])
    pending = [name for name, done in states if not done]
    if pending:
        raise Refusal(
            f"数据库结构需要升级（缺 {', '.join(pending)}）：请运行 `lianjian init`",
            f"The database schema is behind ({', '.join(pending)} pending): run `lianjian init`",
        )


def unreachable(url: str, error: Exception) -> Refusal:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return Refusal(
        f"无法连接数据库 {shown_url(url)}：{reason}",
        f"Cannot reach the database {shown_url(url)}: {reason}",
    )
