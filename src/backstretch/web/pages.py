"""HTML pages: server-rendered, working without JavaScript (the timed player aside).

Every user-facing string in the templates goes through gettext (`_`), English shipped, so
another language needs a catalogue, not template changes.
"""

from __future__ import annotations

import gettext
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from backstretch.core.catalogue import UnknownStretchError
from backstretch.core.models import Position, Region
from backstretch.web.deps import ContextDep, DbDep, RuntimeDep

router = APIRouter(include_in_schema=False)


def make_templates() -> Jinja2Templates:
    """Return the template environment with gettext installed (English: no translation)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder = str(resources.files("backstretch.web").joinpath("templates"))
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        gettext.NullTranslations(), newstyle=True
    )
    return Jinja2Templates(env=environment)


TEMPLATES = make_templates()


def _words(value: str) -> str:
    return value.replace("_", " ")


TEMPLATES.env.filters["words"] = _words


@router.get("/", response_class=HTMLResponse)
def welcome(request: Request, context: ContextDep, session: DbDep) -> Any:
    """The welcome page, with the disclaimer where people start."""
    from backstretch.db import repository

    disclaimer = context.guide.disclaimer.replace("{emergency_number}", context.emergency_number)
    screened = repository.latest_screening(session=session) is not None
    return TEMPLATES.TemplateResponse(
        request, "welcome.html", {"disclaimer": disclaimer, "screened": screened}
    )


@router.get("/stretches", response_class=HTMLResponse)
def library(
    request: Request,
    runtime: RuntimeDep,
    area: Annotated[str, Query(max_length=40)] = "",
    position: Annotated[str, Query(max_length=40)] = "",
    search: Annotated[str, Query(max_length=100)] = "",
) -> Any:
    """The stretch library, filtered by a plain GET form ("" means any)."""
    try:
        region = Region(area) if area else None
        where = Position(position) if position else None
    except ValueError as error:
        raise HTTPException(422, detail=str(error)) from None
    from markupsafe import Markup

    from backstretch.core.figures.render import still_svg

    found = runtime.catalogue.filter(region=region, position=where, text=search or None)
    return TEMPLATES.TemplateResponse(
        request,
        "library.html",
        {
            "stretches": found,
            # Our own renderer's SVG from validated data, every text in it escaped.
            "figures": {stretch.id: Markup(still_svg(stretch)) for stretch in found},
            "areas": list(Region),
            "positions": list(Position),
            "chosen": {"area": region, "position": where, "search": search},
        },
    )


@router.get("/stretches/{stretch_id}", response_class=HTMLResponse)
def stretch_page(request: Request, stretch_id: str, runtime: RuntimeDep) -> Any:
    """One stretch: its figure, how to do it, its cautions and its sources."""
    from markupsafe import Markup

    from backstretch.core.dose import describe_dose
    from backstretch.core.figures.render import still_svg

    try:
        stretch = runtime.catalogue.get(stretch_id)
    except UnknownStretchError as error:
        raise HTTPException(404, detail=str(error)) from None
    return TEMPLATES.TemplateResponse(
        request,
        "stretch.html",
        {
            "stretch": stretch,
            "dose": describe_dose(stretch),
            # The SVG is made by our own renderer from validated data, with text escaped.
            "figure": Markup(still_svg(stretch)),
        },
    )


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request) -> Any:
    """The education topics: when to stretch, mistakes, safety, when to get help..."""
    from backstretch.data import education_pages

    return TEMPLATES.TemplateResponse(request, "learn.html", {"pages": education_pages()})


@router.get("/learn/{topic}", response_class=HTMLResponse)
def learn_topic(request: Request, topic: Annotated[str, Path(max_length=60)]) -> Any:
    """One education page, its Markdown shown as HTML (raw HTML in it is never passed through)."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    from backstretch.data import education_pages

    pages = {page.topic: page for page in education_pages()}
    if topic not in pages:
        raise HTTPException(404, detail=f"no topic '{topic}'")
    page = pages[topic]
    # "commonmark" with html off: our own files, and even so nothing in them becomes raw HTML.
    body = MarkdownIt("commonmark", {"html": False}).render(page.body)
    return TEMPLATES.TemplateResponse(
        request, "learn_topic.html", {"page": page, "body": Markup(body)}
    )


@router.get("/figures", response_class=HTMLResponse)
def figures(request: Request, runtime: RuntimeDep) -> Any:
    """Every stretch's figure: each key pose, and the mirror image of one-sided stretches."""
    from markupsafe import Markup

    from backstretch.core.figures.gallery import stretch_section

    sections = [Markup(stretch_section(stretch)) for stretch in runtime.catalogue]
    return TEMPLATES.TemplateResponse(request, "figures.html", {"sections": sections})
