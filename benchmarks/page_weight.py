"""First-load transfer of a web page (the player page by default), every asset, gzip as sent.

Prepares a fresh data folder as after a first session (a stored profile, a screening with every
answer no), starts `backstretch serve`, then asks for the page as a browser would with
`Accept-Encoding: gzip` and fetches everything the page makes the browser load at once:
stylesheets, icons, the manifest, preloads, scripts (and the modules they import), images,
audio and video sources, and `url(...)` / `@import` inside the stylesheets it fetched (and in
`<style>` blocks and `style` attributes). Without an icon link a browser asks for /favicon.ico,
so that is fetched too. For each file it prints the bytes on the wire (the body as sent,
compressed when the server compressed it) and uncompressed, then the totals against the aim of
100 kB (1 kB = 1000 bytes) for the bodies; the response headers are shown apart.

Requests the page's scripts make once running (an API call, a figure fetched later) cannot be
seen in the markup: name them with `--also PATH` to count them.

The run fails (non-zero exit, saying why) when the page is not a 200 HTML page at that path
(a redirect, say to the screening, is a failure), when `--expect` text is missing from it (for
/play it defaults to the player's root element, `id="player"`), or when an asset it references
does not answer 200.

    .venv/bin/python benchmarks/page_weight.py [--path /play] [--expect TEXT] [--also PATH ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import _server

AIM_BYTES = 100_000
PLAYER_MARK = 'id="player"'  # the player's root element in templates/player.html
BROWSER_HEADERS = {"Accept-Encoding": "gzip", "Accept": "text/html,*/*;q=0.8"}
LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest", "preload"}
LINK_RELS |= {"modulepreload"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")
JS_IMPORT = re.compile(
    r"""(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"']+)["']"""
    r"""|\bimport\(\s*["']([^"']+)["']\s*\)"""
)


@dataclass(frozen=True)
class Asset:
    """One file the page makes a browser load, and why."""

    path: str
    kind: str
    module: bool = False
    implicit: bool = False  # asked for by the browser itself, not by the page


class References(HTMLParser):
    """Collect what a page makes the browser load at once."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found: list[Asset] = []
        self.title = ""
        self.has_icon = False
        self._in: str | None = None

    def _add(self, url: str | None, kind: str, module: bool = False) -> None:
        if url and not url.startswith(("data:", "#", "about:", "javascript:")):
            self.found.append(Asset(urljoin(self.base, url.strip()), kind, module))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {k: v or "" for k, v in attrs}
        rels = set(given.get("rel", "").lower().split())
        if tag == "link" and rels & LINK_RELS:
            self.has_icon = self.has_icon or bool(rels & {"icon", "shortcut"})
            self._add(given.get("href"), "link " + " ".join(sorted(rels)), "modulepreload" in rels)
        elif tag == "script":
            self._add(given.get("src"), "script", given.get("type") == "module")
        elif tag in ("img", "audio", "video", "source", "track", "embed", "input"):
            if tag != "input" or given.get("type") == "image":
                self._add(given.get("src"), tag)
            if tag == "video":
                self._add(given.get("poster"), "video poster")
            if given.get("srcset"):
                self._add(given["srcset"].split(",")[0].split()[0], tag + " srcset")
        elif tag == "object":
            self._add(given.get("data"), "object")
        if "style" in given:
            for url in css_references(given["style"]):
                self._add(url, "style attribute")
        if tag == "style" or (tag == "title" and not self.title):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "style":
            for url in css_references(data):
                self._add(url, "<style>")


def css_references(text: str) -> list[str]:
    """Return the URLs a piece of CSS refers to (url() and @import)."""
    found = [next(g for g in m if g) for m in CSS_URL.findall(text) if any(m)]
    found += [next(g for g in m if g) for m in CSS_IMPORT.findall(text) if any(m)]
    return found


def js_imports(text: str) -> list[str]:
    """Return the relative or absolute-path modules an ES module imports."""
    found = [a or b for a, b in JS_IMPORT.findall(text)]
    return [f for f in found if f.startswith(("/", "./", "../"))]


@dataclass
class Row:
    """One fetched file."""

    label: str
    kind: str
    status: int
    content_type: str
    encoding: str
    wire: int
    uncompressed: int
    header_bytes: int


def header_size(reply: _server.Reply) -> int:
    """Return roughly the bytes of the status line and headers of `reply`."""
    return (
        len(f"HTTP/1.1 {reply.status} OK\r\n")
        + 2
        + sum(len(k) + len(v) + 4 for k, v in reply.headers.items())
    )


def fetch_row(server: _server.Server, path: str, kind: str) -> tuple[Row, bytes]:
    """Fetch `path` as a browser would and return its row and its uncompressed body."""
    reply = _server.fetch(server, path, headers=BROWSER_HEADERS)
    body = reply.body()
    row = Row(
        label=path,
        kind=kind,
        status=reply.status,
        content_type=reply.headers.get("content-type", "").split(";")[0],
        encoding=reply.headers.get("content-encoding", "-"),
        wire=len(reply.raw),
        uncompressed=len(body),
        header_bytes=header_size(reply),
    )
    return row, body


def local_path(url: str, origin: str) -> str | None:
    """Return the path (and query) of a same-origin URL, or None for another origin."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/play", help="the page to weigh (default /play)")
    parser.add_argument(
        "--expect",
        help=f"text the page must contain to be the right page (for /play: {PLAYER_MARK})",
    )
    parser.add_argument(
        "--also", action="append", default=[], help="another path the page loads (repeatable)"
    )
    options = parser.parse_args()
    if options.expect is None and options.path == "/play":
        options.expect = PLAYER_MARK

    with tempfile.TemporaryDirectory(prefix="backstretch-bench-") as temp:
        data_dir = Path(temp) / "data"
        _server.store_profile(data_dir)
        with _server.running_server(data_dir) as server:
            _server.screen_all_no(server)
            rows, external, broken = weigh(server, options)

    print(f"GET {options.path} with Accept-Encoding: gzip; wire = body bytes as sent, B = bytes")
    print(f"  {'file':44} {'type':24} {'status':>6} {'encoding':>8} {'wire B':>8} {'raw B':>8}")
    for row in rows:
        print(
            f"  {row.label:44} {row.content_type:24} {row.status:6d} {row.encoding:>8} "
            f"{row.wire:8,d} {row.uncompressed:8,d}"
        )
    wire, raw = sum(r.wire for r in rows), sum(r.uncompressed for r in rows)
    headers = sum(r.header_bytes for r in rows)
    total = f"total: {len(rows)} files"
    print(f"  {total:44} {'':24} {'':6} {'':8} {wire:8,d} {raw:8,d}")
    print(f"  response headers besides (not in the total): {headers:,d} B")
    for url in external:
        print(f"  another origin, not fetched or counted: {url}")
    verdict = "met" if wire < AIM_BYTES else "NOT met"
    print(f"first-load transfer: {wire / 1000:.1f} kB (aim < {AIM_BYTES / 1000:.0f} kB: {verdict})")
    if broken:
        sys.exit("NOT VALID: these assets did not answer 200: " + ", ".join(broken))


def weigh(
    server: _server.Server, options: argparse.Namespace
) -> tuple[list[Row], list[str], list[str]]:
    """Fetch the page and all it loads; return the rows, other-origin URLs and broken paths."""
    page, html = fetch_row(server, options.path, "page")
    if page.status != 200:
        reply = _server.fetch(server, options.path, headers=BROWSER_HEADERS)
        where = reply.headers.get("location")
        sys.exit(
            f"NOT VALID: GET {options.path} answered {page.status}"
            + (f" (to {where})" if where else "")
            + f", not 200: not the page to weigh. {reply.body()[:300].decode(errors='replace')}"
        )
    if page.content_type != "text/html":
        sys.exit(f"NOT VALID: GET {options.path} is {page.content_type!r}, not an HTML page")
    text = html.decode("utf-8", errors="replace")
    if options.expect and options.expect not in text:
        sys.exit(f"NOT VALID: GET {options.path} does not contain {options.expect!r}")

    origin = server.url
    references = References(origin + options.path)
    references.feed(text)
    references.close()
    page.label = f"{options.path} ({references.title.strip()[:30]})"
    queue = list(references.found)
    queue += [Asset(urljoin(origin, p), "--also") for p in options.also]
    if not references.has_icon:
        queue.append(Asset(origin + "/favicon.ico", "browsers ask", implicit=True))

    rows, external, broken, seen = [page], [], [], {origin + options.path}
    while queue:
        asset = queue.pop(0)
        url = asset.path.split("#")[0]
        if url in seen:
            continue
        seen.add(url)
        path = local_path(url, origin)
        if path is None:
            external.append(url)
            continue
        row, body = fetch_row(server, path, asset.kind)
        rows.append(row)
        if asset.implicit:
            row.label += " (no icon link: browsers ask)"
        if row.status != 200:
            if not asset.implicit:
                broken.append(f"{path} ({row.status})")
            continue
        content = body.decode("utf-8", errors="replace")
        if row.content_type == "text/css":
            queue += [Asset(urljoin(url, u), "from CSS") for u in css_references(content)]
        elif asset.module:
            queue += [Asset(urljoin(url, u), "import", True) for u in js_imports(content)]
    return rows, external, broken


if __name__ == "__main__":
    main()
