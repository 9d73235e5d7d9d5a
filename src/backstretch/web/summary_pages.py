"""Downloads from the data page: the clinician summary as a PDF and as a FHIR R4 bundle.

Both read the same range as `backstretch summary` (`services.summary`): empty dates mean the four
weeks up to today; a malformed or impossible date answers 422 with the date at fault.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from backstretch.services.summary import SummaryFiles, summary_files
from backstretch.web.deps import PersonDep
from backstretch.web.documents import draw

router = APIRouter(include_in_schema=False)

PaperQuery = Annotated[str, Query(max_length=10)]
TargetQuery = Annotated[int | None, Query(ge=1, le=14)]


def _download(name: str) -> dict[str, str]:
    # Health data: the browser saves it as a file and keeps no copy in a shared cache.
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


async def _files(
    request: Request,
    person: PersonDep,
    start: str,
    end: str,
    paper: str,
    target: int | None,
    fhir: bool,
) -> SummaryFiles:
    # Drawing a PDF takes a second of CPU: off the event loop, one at a time, within the
    # person's allowance (`web/documents.py`), so other requests go on.
    return await draw(
        request,
        lambda: summary_files(person, start=start, end=end, paper=paper, target=target, fhir=fhir),
    )


@router.get("/data/summary.pdf")
async def summary_pdf(
    request: Request,
    person: PersonDep,
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    paper: PaperQuery = "a4",
    target: TargetQuery = None,
) -> Response:
    """The clinician summary of the range, as a PDF to print or send."""
    files = await _files(request, person, start, end, paper, target, fhir=False)
    return Response(
        files.pdf, media_type="application/pdf", headers=_download(files.file_name("pdf"))
    )


@router.get("/data/summary.fhir.json")
async def summary_fhir(
    request: Request,
    person: PersonDep,
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    paper: PaperQuery = "a4",
    target: TargetQuery = None,
) -> Response:
    """The same summary as a FHIR R4 bundle (type collection), the PDF inside it."""
    files = await _files(request, person, start, end, paper, target, fhir=True)
    return JSONResponse(
        files.fhir,
        media_type="application/fhir+json",
        headers=_download(files.file_name("fhir.json")),
    )
