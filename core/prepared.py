"""Statements of the ingestion hot path, written once from the models instead of built per request.

Building a small query with the ORM costs more CPU than PostgreSQL spends running it (measured: about
1.7 ms of Python against 0.14 ms for the survey lookup of a public response), and these statements run
for every stored response. So they are assembled once from the models' own fields: table and column
names come from ``_meta`` and are quoted, values are always parameters, values going in are prepared by
each field (``get_db_prep_save``) and rows coming back go through each field's ``from_db_value`` and
``Model.from_db``, as the ORM would do. Use it only where a benchmark shows the ORM's cost; everywhere
else the ORM is the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, connections, models

M = TypeVar("M", bound=models.Model)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def column_list(model: type[models.Model], fields: Sequence[models.Field[Any, Any]]) -> str:
    """``"table"."column", …`` of ``fields`` for a SELECT."""
    table = quote(model._meta.db_table)
    return ", ".join(f"{table}.{quote(field.column)}" for field in fields)


def insertable_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The model's own concrete fields except the auto primary key: what an INSERT lists."""
    return [field for field in model._meta.local_concrete_fields if field is not model._meta.auto_field]


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


@cache
def _insert_sql(model: type[models.Model], rows: int, ignore_conflicts: bool, match_by: str | None) -> str:
    fields = insertable_fields(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = [str(model._meta.pk.column)] + ([_concrete(model, match_by).column] if match_by else [])
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * rows)}"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
        + f" RETURNING {', '.join(quote(column) for column in returning)}"
    )


def insert(objs: Sequence[M], *, ignore_conflicts: bool = False, match_by: str | None = None) -> list[M]:
    """INSERT ``objs`` (all of one model) in one statement and set the primary key of each one stored;
    returns those stored, in order.

    With ``ignore_conflicts`` a row that breaks a unique constraint is skipped (``ON CONFLICT DO
    NOTHING``: what ``get_or_create`` per row did with a SELECT and a savepoint, in one round trip). To
    tell which of several rows were stored, ``match_by`` names a field whose value differs between the
    rows that can all be stored (the endpoint of one event's deliveries); of rows sharing a value, only
    the first can be, as PostgreSQL inserts them in order."""
    if not objs:
        return []
    model = type(objs[0])
    fields = insertable_fields(model)
    database = connections[model._default_manager.db]
    params = [field.get_db_prep_save(field.pre_save(obj, True), database) for obj in objs for field in fields]
    with database.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(objs), ignore_conflicts, match_by), params)
        returned = cursor.fetchall()
    if match_by is not None:
        attname = _concrete(model, match_by).attname
        ids = {key: pk for pk, key in returned}
        stored = [(obj, ids.pop(getattr(obj, attname))) for obj in objs if getattr(obj, attname) in ids]
    elif len(returned) == len(objs):
        stored = list(zip(objs, [pk for (pk, *_rest) in returned], strict=True))
    elif len(objs) == 1:
        stored = []
    else:
        raise ValueError("with ignore_conflicts, several rows need match_by to tell which were stored")
    for obj, pk in stored:
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = database.alias
    return [obj for obj, _pk in stored]


def from_row(
    model: type[M], fields: Sequence[models.Field[Any, Any]], values: Sequence[Any], alias: str = "default"
) -> M:
    """A model instance from a row of ``fields`` read by hand, converted as the ORM converts them."""
    database = connections[alias]
    converted = [
        field.from_db_value(value, None, database) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(alias, [field.attname for field in fields], converted)


def fetch_row(sql: str, params: Sequence[Any], alias: str = "default") -> tuple[Any, ...] | None:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row
