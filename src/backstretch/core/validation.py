"""Strict validation of plain data (as read from YAML, JSON or a form) against a model."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class InvalidData(ValueError):
    """The data does not fit the model; `field` names the first field that is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def validate_strict(model: type[M], data: Any) -> M:
    """Validate `data` strictly, or raise `InvalidData` naming the first wrong field.

    JSON mode keeps types strict (1 is not true, "10" is not a number) while accepting lists for
    tuples and words for enum members, exactly as they arrive from a file.
    """
    try:
        text = json.dumps(data)
    except (TypeError, ValueError) as error:
        raise InvalidData("(file)", f"holds a value that is not plain data: {error}") from None
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "(entry)"
        raise InvalidData(field, str(first["msg"]).removeprefix("Value error, ")) from None
