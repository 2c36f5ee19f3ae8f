"""`field__one_of=[...]`: membership in a long list of values as ONE query parameter.

`__in` expands a list into one placeholder per value; with a few thousand ids the binding and planning
cost more than the query. PostgreSQL takes the list as an array (`= ANY(%s)`), SQLite as JSON
(`IN (SELECT value FROM json_each(%s))`).
"""

import json

from django.db.models import Field, Lookup


@Field.register_lookup
class OneOf(Lookup):
    lookup_name = "one_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        values = [self.lhs.output_field.get_db_prep_value(v, connection) for v in value]
        return "%s", [values if connection.vendor == "postgresql" else json.dumps(values)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]
