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
from markupsafe import Markup

from backstretch.core.catalogue import UnknownStretchError
from backstretch.core.models import Position, Region
from backstretch.web.deps import MaybePersonDep, RuntimeDep

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
    # "neck_shoulders" reads "neck and shoulders"; other ids just lose their underscores.
    return {"neck_shoulders": "neck and shoulders"}.get(value, value.replace("_", " "))


TEMPLATES.env.filters["words"] = _words


def csrf_token(request: Request) -> str:
    """Return this browser's CSRF token (set by `CsrfProtection`; empty where it is not on)."""
    make_token = request.scope.get("csrftoken")
    return str(make_token()) if make_token else ""


def csrf_input(request: Request) -> Markup:
    """Return the hidden form field every POST form carries first."""
    return Markup('<input type="hidden" name="csrftoken" value="{}">').format(csrf_token(request))


def account_key(request: Request) -> str:
    """Return an opaque key for who is logged in ("" when nobody): the browser tags what it
    queues offline with it, so a shared browser never sends one person's session as another's."""
    return str(getattr(request.state, "account_key", ""))


TEMPLATES.env.globals["csrf_token"] = csrf_token
TEMPLATES.env.globals["account_key"] = account_key


def account_name(request: Request) -> str | None:
    """Return the logged-in person's account name (None for nobody or the local person)."""
    name = getattr(request.state, "account_name", None)
    return str(name) if name else None


def accounts_on(request: Request) -> bool:
    """Tell whether this server has accounts (many people) or serves the local person."""
    return bool(request.app.state.runtime.accounts)


TEMPLATES.env.globals["account_name"] = account_name
TEMPLATES.env.globals["accounts_on"] = accounts_on
TEMPLATES.env.globals["csrf_input"] = csrf_input


@router.get("/", response_class=HTMLResponse)
def welcome(request: Request, runtime: RuntimeDep, person: MaybePersonDep) -> Any:
    """Home: today's routine with one Start, the week and the last pain change; a new person
    (or a visitor, with accounts) gets a short welcome with the disclaimer instead."""
    from backstretch.core.durations import minutes
    from backstretch.services.home import NextStep, home_overview

    guide = runtime.services.guide
    number = person.emergency_number if person else runtime.services.settings.emergency_number
    home = home_overview(person) if person is not None else None
    if home is None or home.next_step is NextStep.FIRST_CHECK:
        return TEMPLATES.TemplateResponse(
            request,
            "welcome.html",
            {
                "disclaimer": guide.disclaimer.replace("{emergency_number}", number),
                "logged_out": person is None,
            },
        )
    return TEMPLATES.TemplateResponse(
        request,
        "home.html",
        {
            "home": home,
            "step": home.next_step.value,
            "length": minutes(home.routine.seconds) if home.routine else "",
        },
    )


@router.get("/stretches", response_class=HTMLResponse)
def library(
    request: Request,
    runtime: RuntimeDep,
    person: MaybePersonDep,
    area: Annotated[str, Query(max_length=40)] = "",
    position: Annotated[str, Query(max_length=40)] = "",
    search: Annotated[str, Query(max_length=100)] = "",
) -> Any:
    """The stretch library, filtered by a plain GET form ("" means any); the person's own
    stretches are in it, and the form to add one (a visitor sees the built-in stretches)."""
    try:
        region = Region(area) if area else None
        where = Position(position) if position else None
    except ValueError as error:
        raise HTTPException(422, detail=str(error)) from None
    from markupsafe import Markup

    from backstretch.render.figures import still_svg

    catalogue = person.catalogue if person else runtime.catalogue
    found = catalogue.filter(region=region, position=where, text=search or None)
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
            "can_add": person is not None,
        },
    )


@router.get("/stretches/{stretch_id}", response_class=HTMLResponse)
def stretch_page(
    request: Request, stretch_id: str, runtime: RuntimeDep, person: MaybePersonDep
) -> Any:
    """One stretch: its figure, how to do it, its cautions and its sources (a person's own
    stretch is shown to them alone, with a button to remove it)."""
    from markupsafe import Markup

    from backstretch.core.dose import describe_dose
    from backstretch.render.figures import still_svg
    from backstretch.services.planning import why_not_planned

    catalogue = person.catalogue if person else runtime.catalogue
    try:
        stretch = catalogue.get(stretch_id)
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
            "way_figures": [Markup(still_svg(stretch, way=way)) for way in stretch.ways[1:]],
            # "Why not this one?": the person's setting, level, choices and screening.
            "why_not": why_not_planned(person, stretch) if person else None,
            # In the person's own catalogue, so theirs to remove.
            "can_remove": stretch.is_own,
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

    from backstretch.render.gallery import stretch_section

    sections = [Markup(stretch_section(stretch)) for stretch in runtime.catalogue]
    return TEMPLATES.TemplateResponse(request, "figures.html", {"sections": sections})
