"""Model instances from plain SQL rows, converted as the ORM converts them (for hot look-ups of the Leistung page
and the assistant: the ORM's query compilation costs more than the indexed statements themselves,
benchmarks/citizen_profile.py)."""

from __future__ import annotations

from django.db import connection


def columns_of(alias: str, model) -> tuple[list[str], tuple]:
    """The quoted columns of ``model`` under ``alias`` and how to turn them into an instance (``instances_from``)."""
    qn = connection.ops.quote_name
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(alias)
        funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if funcs:
            converters.append((index, col, funcs))
    return [f"{alias}.{qn(f.column)}" for f in fields], (model, [f.attname for f in fields], converters)


def instances_from(parts: list[tuple], row) -> list:
    """Model instances from one row of columns given by ``columns_of`` (None for a LEFT JOIN without a match)."""
    objects: list = []
    start = 0
    for model, attnames, converters in parts:
        values = list(row[start : start + len(attnames)])
        start += len(attnames)
        if values[0] is None:  # the primary key: LEFT JOIN without a row
            objects.append(None)
            continue
        for index, col, funcs in converters:  # as the ORM does: dates, booleans, JSON from the driver's types
            for func in funcs:
                values[index] = func(values[index], col, connection)
        objects.append(model.from_db(connection.alias, attnames, values))
    return objects
