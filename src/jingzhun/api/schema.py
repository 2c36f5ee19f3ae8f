"""OpenAPI details drf-spectacular cannot infer by itself.

The three cause fields of a household (main and two secondary causes) share one choice set. Left to
itself drf-spectacular names that set after one of the fields and warns (`--fail-on-warn` fails);
`CauseField` documents all three as one `CauseEnum` component.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from jingzhun.registry.choices import Cause


class CauseField(serializers.ChoiceField):
    """A cause of poverty (blank allowed: not every household has secondary causes)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(choices=Cause.choices, **kwargs)


class CauseFieldExtension(OpenApiSerializerFieldExtension):
    target_class = CauseField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="CauseEnum",
            type=ResolvedComponent.SCHEMA,
            object=Cause,
            schema={
                "type": "string",
                "enum": list(Cause.values),
                "description": "\n".join(f"* `{value}` - {label}" for value, label in Cause.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if self.target.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref
