"""Drawing documents (PDF handouts and clinician summaries) without tying up the server.

A document costs 0.6 to 1 s of CPU, nearly all of it Python holding the interpreter's lock
(WeasyPrint): two drawn at once on two threads of one process took 2.8 times as long as one
alone on the 2-core machine (`benchmarks/documents.py`), and every other request of that
process takes turns with them meanwhile.
So each server process draws one document at a time, on a worker thread; the next waits for
its turn on the event loop, holding no thread (the pages and the player's API need those), for
`document_wait_seconds` at most, then is answered 503 with `Retry-After`. More documents at once
come from more processes (`uvicorn --workers`, or more servers), each with its own turn.

Before it waits, a document is counted against its requester's allowance
(`services.documents.admit_document`, 429 with `Retry-After` beyond it), so one person cannot
keep the turn for themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from backstretch.services.documents import admit_document
from backstretch.services.errors import Unavailable
from backstretch.web.app import Runtime

Made = TypeVar("Made")

# One at a time: a second document drawn at once in the same process gains nothing (the
# interpreter's lock) and slows everything else that process answers.
DOCUMENTS_AT_ONCE = 1
# What a busy answer suggests: a few documents' time.
BUSY_RETRY_AFTER = 5
# How often a waiting document looks for its turn: the turn is a thread-safe semaphore, not an
# asyncio one, so it works whichever event loop (or test client's thread) asks.
POLL_SECONDS = 0.02


class DocumentsBusy(Unavailable):
    """Documents are being drawn and this one waited its longest for a turn (503 on the web,
    with `Retry-After`)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the server is busy making other documents: try again in {retry_after} s")
        self.retry_after = retry_after


class DocumentTurns:
    """The turns to draw a document in this process: `DOCUMENTS_AT_ONCE` at a time, each other
    waiting up to `wait_seconds` on the event loop."""

    def __init__(self, wait_seconds: float, at_once: int = DOCUMENTS_AT_ONCE) -> None:
        self.wait_seconds = wait_seconds
        self._free = threading.BoundedSemaphore(at_once)
        self._lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Return how many documents wait for a turn now."""
        return self._waiting

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold a turn while the block runs; no turn within `wait_seconds` raises
        `DocumentsBusy`."""
        if not self._free.acquire(blocking=False):
            await self._wait_for_turn()
        try:
            yield
        finally:
            self._free.release()

    async def _wait_for_turn(self) -> None:
        deadline = time.monotonic() + self.wait_seconds
        with self._lock:
            self._waiting += 1
        try:
            while not self._free.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise DocumentsBusy(BUSY_RETRY_AFTER)
                await anyio.sleep(POLL_SECONDS)
        finally:
            with self._lock:
                self._waiting -= 1


def document_turns(request: Request) -> DocumentTurns:
    """Return this app's turns (made with the app, `web/app.py`)."""
    turns: DocumentTurns = request.app.state.document_turns
    return turns


async def draw(request: Request, make: Callable[[], Made]) -> Made:
    """Count a document against the requester's allowance, wait for a turn, then `make()` it on
    a worker thread and return it.

    Raises `TooManyDocuments` (429) beyond the allowance and `DocumentsBusy` (503) when no turn
    came in time; whatever `make` raises (a safety block, a bad paper size) passes through.
    """
    from backstretch.web.auth import identify

    await identify(request)  # already done by the routers; cheap when so
    runtime: Runtime = request.app.state.runtime
    person: int | None = request.state.account_id
    address = request.client.host if request.client else "unknown"
    await run_in_threadpool(admit_document, runtime.services, person=person, address=address)
    async with document_turns(request).turn():
        # Not cancelled with the request: the thread draws to the end, and the turn is held
        # until it has (anyio waits for the thread).
        return await run_in_threadpool(make)
