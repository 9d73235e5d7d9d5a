"""How many documents one requester may have drawn: PDF handouts and clinician summaries.

Each costs the server 0.6 to 1 s of CPU (`benchmarks/documents.py`), so reloading or a script
could keep a small server busy for everyone. A person (by account; the one person of a
single-person install) or, on a shared link opened without a login, an address may have
`documents_per_ten_minutes` drawn (30 unless configured) in ten minutes from the first: three
times what a physiotherapist printing a handout for each of ten patients in a row asks for.

The count is kept in the database, in the counters the login limits use (`db/attempts.py`), not
in the server's memory: several app servers behind one proxy share one count (in memory, each
would allow the whole number again, and a restart would forget it), and a row locked for the
count lets exactly the limit through however many requests arrive at once. It costs one small
write per document, against a second of drawing. How many are drawn at once is the web
server's (`web/documents.py`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

from backstretch.db import attempts
from backstretch.services.accounts import QUIET_DAY, TooManyAttempts

if TYPE_CHECKING:
    from backstretch.services.context import Services

DOCUMENT_WINDOW = timedelta(minutes=10)


class TooManyDocuments(TooManyAttempts):
    """More documents than the allowance in the window; `retry_after` says when the next may
    be made (429 on the web, with `Retry-After`)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, "documents in a short time")


def requester_key(*, person: int | None, address: str) -> str:
    """Return whose allowance a document counts against: the person's when someone is logged in
    (or the install serves one person), else the address's."""
    # One kind, the two told apart inside the hash (a key is at most 80 characters).
    if person is not None:
        return attempts.counter_key("document", "person", str(person))
    return attempts.counter_key("document", "address", address)


def admit_document(services: Services, *, person: int | None, address: str) -> None:
    """Count a document for `person` (None: nobody logged in, so the `address`), or raise
    `TooManyDocuments` and count nothing. Committed at once, before the document is drawn."""
    now = services.clock()
    limit = services.settings.documents_per_ten_minutes
    key = requester_key(person=person, address=address)
    with services.transaction() as db:
        counter = attempts.lock_counters(db=db, keys=[key], now=now)[key]
        if now - counter.started_at >= DOCUMENT_WINDOW:
            counter = attempts.Counter(key, 0, now, now)
        if counter.count >= limit:
            wait = counter.started_at + DOCUMENT_WINDOW - now
            raise TooManyDocuments(max(1, math.ceil(wait.total_seconds())))
        attempts.save_counter(
            db=db, counter=attempts.Counter(key, counter.count + 1, counter.started_at, now)
        )
    if counter.count == 0:
        # A new window (or a new address): now and then, forget the counters nobody has used
        # for a day, of every kind (each would start afresh anyway), so addresses that came once
        # do not pile up. In a transaction of its own: no lock is held while it deletes.
        with services.transaction() as db:
            attempts.prune_counters(db=db, before=now - QUIET_DAY)
