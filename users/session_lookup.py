"""The lookup behind every authenticated request: a session joined to its user.

It is the one query of an authenticated read, so it is compiled once per
database connection, not per request. Profiled under load, building and
compiling ``Session.objects.select_related("user").filter(...)`` and
iterating it cost about four times the database round trip itself (see
``bench/README.md``). Here the ORM still writes the SQL (same columns, same
join, any backend) and ``Model.from_db`` still builds the instances, exactly
as a queryset would; only the per-request rebuilding of the query is gone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler

from users.models import Session, User

_PLACEHOLDER_ID = uuid.UUID(int=0)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiler: SQLCompiler
    converters: dict
    session_columns: tuple[int, ...]
    session_fields: tuple[str, ...]
    user_columns: tuple[int, ...]
    user_fields: tuple[str, ...]


@lru_cache(maxsize=32)
def _compiled(connection: BaseDatabaseWrapper) -> _Compiled:
    """Compile the joined lookup for one connection (the SQL depends on its vendor)."""
    queryset = (
        Session.objects.using(connection.alias)
        .select_related("user")
        .filter(pk=_PLACEHOLDER_ID, user_id=0)
        .order_by()[:1]
    )
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    expected = (Session._meta.pk.get_db_prep_value(_PLACEHOLDER_ID, connection), 0)
    if tuple(params) != expected:
        raise RuntimeError(f"unexpected lookup parameters {params!r}")
    klass_info = compiler.klass_info
    (user_info,) = klass_info["related_klass_infos"]
    if user_info["model"] is not User:
        raise RuntimeError("the lookup must join the session's user")

    def names(columns: list[int]) -> tuple[str, ...]:
        return tuple(compiler.select[i][0].target.attname for i in columns)

    return _Compiled(
        sql=sql,
        compiler=compiler,
        converters=compiler.get_converters([s[0] for s in compiler.select]),
        session_columns=tuple(klass_info["select_fields"]),
        session_fields=names(klass_info["select_fields"]),
        user_columns=tuple(user_info["select_fields"]),
        user_fields=names(user_info["select_fields"]),
    )


def session_with_user(session_id: uuid.UUID, user_id: int) -> Session | None:
    """Return the session ``session_id`` of ``user_id`` with ``.user`` loaded."""
    connection = connections[DEFAULT_DB_ALIAS]
    compiled = _compiled(connection)
    params = [
        Session._meta.pk.get_db_prep_value(session_id, connection),
        user_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        row: Any = cursor.fetchone()
    if row is None:
        return None
    if compiled.converters:
        (row,) = compiled.compiler.apply_converters([row], compiled.converters)
    alias = connection.alias
    session = Session.from_db(
        alias, compiled.session_fields, [row[i] for i in compiled.session_columns]
    )
    user = User.from_db(
        alias, compiled.user_fields, [row[i] for i in compiled.user_columns]
    )
    Session.user.field.set_cached_value(session, user)
    return session
