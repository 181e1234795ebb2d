"""What every reply model shares: a Chinese description per field and an example per model.

A reply model lists the fields the service returns, under their contract names. Extra keys are
passed through unchanged (``extra="allow"``): a field a service adds later reaches the client
instead of being dropped silently, and ``/openapi.json`` lets clients ignore what they do not
know. The model's example is assembled from its fields' examples (nested models included), so
each field carries one example and each model shows a whole reply.

``Exact`` replies are the exception: the case views (``schemas/cases.py``) and what they nest.
They carry personal data under per-role rules (masked contacts, photo positions, internal
flags), so a key their model does not list is refused (``extra="forbid"``, published as
``additionalProperties: false``) instead of passed on: FastAPI answers 500 rather than send an
undeclared field, and every test that validates a reply against the model fails on it.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

# Times are ISO-8601 strings with their offset, in Asia/Shanghai, passed on as the service wrote
# them (not re-rendered); dates are YYYY-MM-DD; amounts are yuan as decimal strings ("12.50").
IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]
Yuan = Annotated[str, Field(pattern=r"^\d+\.\d{2}$")]

TIME_EXAMPLE = "2026-11-27T10:15:30.123456+08:00"


def _example_of(annotation: Any) -> Any:
    """An example value for a nested model annotation (``Model``, ``list[Model]``,
    ``Model | None``); ``None`` when the annotation is not built from models."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _example_of(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, Out):
        return annotation.example()
    if origin in (list, tuple):
        inner = _example_of(get_args(annotation)[0])
        return None if inner is None else [inner]
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                found = _example_of(arg)
                if found is not None:
                    return found
    return None


def _add_example(schema: JsonDict, cls: type[Any]) -> None:
    schema["examples"] = [cls.example()]


class Out(BaseModel):
    """A reply model; see the module docstring."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_add_example)

    @classmethod
    def example(cls) -> dict[str, Any]:
        """The model's example, from each field's first example (or its nested model's)."""
        sample: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if field.examples:
                sample[key] = field.examples[0]
            else:
                sample[key] = _example_of(field.annotation)
        return sample


class Exact(Out):
    """A reply that has exactly its model's fields, nested models included (module docstring).

    The config merges with ``Out``'s, so the example machinery is kept."""

    model_config = ConfigDict(extra="forbid")


class UnitRef(Exact):
    id: int = Field(description="单位 ID", examples=[12])
    name: str = Field(description="单位名称", examples=["西湖区城市管理局"])
