"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models


class CodeField(models.CharField):
    """A code of ASCII digits and letters (identity numbers, household numbers), compared and sorted byte by byte.

    On PostgreSQL the column takes the "C" collation: for codes of digits and capital letters the same order as
    the C.UTF-8 or en_US.UTF-8 a database usually has, but PostgreSQL then compares with memcmp and abbreviated keys instead of strcoll, so
    sorting is about twice as fast (the two identity-number indexes of 1 million persons: 3.9 s to build, 2.4 s
    with "C").  Columns joined with one another must all be code fields: PostgreSQL refuses to compare two
    columns of different collations.  Other databases keep their default (SQLite's BINARY is already bytewise).
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
