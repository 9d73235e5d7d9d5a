"""HTML to PDF: one Jinja2 environment over this package's templates, one call to WeasyPrint.

WeasyPrint is imported only when a document is drawn: it is heavy, and most commands never
print anything.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

Paper = Literal["a4", "letter"]
PAPERS: tuple[Paper, ...] = ("a4", "letter")


@cache
def environment() -> Environment:
    """The templates of `render/templates`, autoescaped, failing on any missing value."""
    return Environment(
        loader=PackageLoader("backstretch.render", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, **values: Any) -> str:
    """Fill `template` (a file in `render/templates`) with `values`."""
    return environment().get_template(template).render(**values)


def write_pdf(html: str, *, paper: Paper = "a4") -> bytes:
    """Draw `html` as a PDF on `paper`, fonts embedded (WeasyPrint embeds the subset it uses)."""
    from weasyprint import CSS, HTML

    size = CSS(string=f"@page {{ size: {'A4' if paper == 'a4' else 'letter'}; }}")
    document: bytes = HTML(string=html).write_pdf(stylesheets=[size])
    return document
