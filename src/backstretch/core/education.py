"""Education pages: short reading in our own words, each citing its sources."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from backstretch.core.catalogue import CatalogueError, Source
from backstretch.core.validation import InvalidData, validate_strict


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
        return validate_strict(EducationPage, document)
    except InvalidData as error:
        field = "(front matter)" if error.field == "(file)" else error.field
        raise CatalogueError(origin, field, error.problem) from None
