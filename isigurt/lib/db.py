"""Two ways to spend fewer round trips and less server work on the hottest writes.

    prepared_cursor(connection)   a cursor whose statements PostgreSQL parses and plans once
                                  per connection (the platform's other cursors bind on the
                                  client, so each statement is parsed and planned anew)
    insert_together(*rows)        new rows in one statement on PostgreSQL (a data-modifying
                                  WITH), one save each elsewhere

Used where every report or every audited action pays for the statement: intake and the audit
log (decisions 0006 and 0007).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import psycopg
from django.db import connection as default_connection
from django.db import models
from django.db.models import sql

# psycopg prepares a statement after this many executions; Django turns that off (None).
_NEVER_BY_COUNT = 2**31


class _PreparedCursor(psycopg.Cursor[Any]):
    """Server-side binding; every statement prepared (once per connection, by psycopg)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)

    def _send_query_prepared(self, name: bytes, pgq: Any, **kwargs: Any) -> None:
        # The statement's text (with $n marks) for Django's query log, as for other queries.
        self._query = pgq
        super()._send_query_prepared(name, pgq, **kwargs)


def prepared_cursor(connection: Any) -> Any:
    """A prepared-statement cursor on a PostgreSQL connection, through Django's wrappers
    (query logging, execute wrappers, database errors) as any other cursor."""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Only an explicit prepare=True prepares, so Django's own cursors stay as they were.
        raw.prepare_threshold = _NEVER_BY_COUNT
    with connection.wrap_database_errors:
        cursor = _PreparedCursor(raw)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def insert_together(*rows: models.Model) -> None:
    """Insert new rows in one statement on PostgreSQL (a data-modifying WITH), in order.

    Each model's INSERT is the one ``save(force_insert=True)`` (or, for several rows of one
    model in a row, ``bulk_create``) would send (Django's compiler: defaults, ``auto_now_add``,
    encrypted fields); the rows' ids are set before (UUIDs) or left to the database (an auto
    field, when nothing needs it back). Foreign keys are checked at the end of the statement or
    the transaction, so a row may refer to one written beside it. A statement of one row per
    model always has the same text, so it is prepared once per connection; one with a varying
    number of rows is not (each count would be another prepared statement). Elsewhere, one
    save (or one bulk insert) each.
    """
    groups = [list(group) for _model, group in groupby(rows, key=type)]
    connection = default_connection
    if connection.vendor != "postgresql":
        for group in groups:
            if len(group) == 1:
                group[0].save(force_insert=True)
            else:
                type(group[0])._default_manager.bulk_create(group)
        return
    statements: list[str] = []
    params: list[Any] = []
    for group in groups:
        meta = group[0]._meta
        fields = [
            field
            for field in meta.local_concrete_fields
            if not field.generated
            and not (field is meta.auto_field and all(row.pk is None for row in group))
        ]
        query = sql.InsertQuery(type(group[0]))
        query.insert_values(fields, group)
        ((statement, values),) = query.get_compiler(connection=connection).as_sql()
        statements.append(statement)
        params.extend(values)
    *first, last = statements
    text = "".join(
        f"WITH _{n} AS ({s}) " if n == 0 else f", _{n} AS ({s}) " for n, s in enumerate(first)
    )
    single_rows = all(len(group) == 1 for group in groups)
    cursor = prepared_cursor(connection) if single_rows else connection.cursor()
    with cursor:
        cursor.execute(text + last, params)
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
