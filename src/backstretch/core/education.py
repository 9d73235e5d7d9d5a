"""Education pages: short reading in our own words, each citing its sources."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backstretch.core.catalogue import CatalogueError, Source


class EducationPage(BaseModel):
    """One topic: a title, a one-line summary, Markdown text and the sources of its facts."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    topic: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    title: Annotated[str, Field(min_length=1, max_length=80)]
    summary: Annotated[str, Field(min_length=1, max_length=300)]
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    body: Annotated[str, Field(min_length=1)]


def parse_page(topic: str, front_matter: Any, body: str, *, origin: str) -> EducationPage:
    """Validate one page, or raise `CatalogueError` naming the file and field."""
    if not isinstance(front_matter, dict):
        raise CatalogueError(origin, "(front matter)", "expected a mapping between --- lines")
    document = {**front_matter, "topic": topic, "body": body.strip()}
    try:
        return EducationPage.model_validate_json(json.dumps(document))
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "(page)"
        raise CatalogueError(origin, field, str(first["msg"])) from None
    except TypeError as error:
        raise CatalogueError(origin, "(front matter)", str(error)) from None
