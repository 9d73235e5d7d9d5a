/* backstretch: the service worker, served from /sw.js so that it looks after every page.
 *
 * The server fills in SETTINGS when it serves this file: the cache version (the app's version
 * and a hash of the static files), the static files and the public pages to keep on install,
 * and the page to show when nothing was kept. Three caches, named with the version, so a deploy
 * replaces them all:
 *   static   - /static/ files, answered from the cache first (they change only with a deploy);
 *   public   - pages anyone may read (library, education, safety), network first;
 *   personal - pages of one person (today's plan, the player, history), network first, kept
 *              as they are visited; static/offline.js empties it when the account changes.
 * POST and PUT answers, /api/ answers and anything that is not an HTML page are never kept.
 * A page served from the cache is marked (meta backstretch-from-cache), so the page's scripts
 * know its account key may be old.
 */
"use strict";

const SETTINGS = /*BACKSTRETCH_SETTINGS*/ null;
const VERSION = SETTINGS ? SETTINGS.version : "none";
const STATIC = "backstretch-static-" + VERSION;
const PUBLIC = "backstretch-public-" + VERSION;
const PERSONAL = "backstretch-personal-" + VERSION;
const CURRENT = new Set([STATIC, PUBLIC, PERSONAL]);
const PUBLIC_PATHS = new Set(SETTINGS ? SETTINGS.public.map((url) => new URL(url, self.location).pathname) : []);
const NEVER = new Set(["/sw.js", "/offline/account"]); // and everything under /api/
const MARK = '<meta name="backstretch-from-cache" content="yes">';

// A person's own stretches (ids start with "my-") are theirs alone: kept with the personal pages.
const OWN_STRETCH_PREFIX = "/stretches/my-";

// Only the pages the server listed: a person's own pages never land in the public cache.
function isPublic(url) {
  if (url.pathname.startsWith(OWN_STRETCH_PREFIX)) return false;
  return PUBLIC_PATHS.has(url.pathname);
}

function isPlayer(url) {
  return url.pathname === "/play";
}

function cacheKey(url) {
  const copy = new URL(url);
  copy.hash = "";
  return copy.href;
}

// Fetch past the browser's HTTP cache, so what is kept is what the server says now.
function fresh(url) {
  return fetch(new Request(url, { cache: "no-cache", credentials: "same-origin" }));
}

async function keepAll(cacheName, urls, tolerant) {
  const cache = await caches.open(cacheName);
  const results = await Promise.allSettled(
    urls.map(async (url) => {
      const response = await fresh(url);
      if (!response.ok) throw new Error(url + ": " + response.status);
      await cache.put(url, response);
    })
  );
  const failed = results.filter((result) => result.status === "rejected");
  if (failed.length && !tolerant) throw failed[0].reason;
}

self.addEventListener("install", (event) => {
  if (!SETTINGS) return;
  event.waitUntil(
    (async () => {
      await keepAll(STATIC, SETTINGS.static, false);
      await keepAll(PUBLIC, [SETTINGS.offline], false);
      // A page that fails now is kept the next time it is visited: never fail the install.
      await keepAll(PUBLIC, SETTINGS.public, true);
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith("backstretch-") && !CURRENT.has(name)).map((name) => caches.delete(name))
      );
      await self.clients.claim();
    })()
  );
});

async function forgetPlayers() {
  const cache = await caches.open(PERSONAL);
  for (const request of await cache.keys()) {
    if (isPlayer(new URL(request.url))) await cache.delete(request);
  }
}

// Keep a page's answer, or forget the kept copy when the server no longer gives that page.
async function remember(url, response) {
  const cache = await caches.open(isPublic(url) ? PUBLIC : PERSONAL);
  const html = (response.headers.get("content-type") || "").startsWith("text/html");
  if (response.ok && html && !response.redirected && response.type === "basic") {
    await cache.put(cacheKey(url), response);
  } else if (response.redirected || (response.status >= 400 && response.status < 500)) {
    // A refusal (409: safety says no), a redirect (no profile, logged out) or a missing page:
    // the old copy must not be played offline either.
    await cache.delete(cacheKey(url));
    if (isPlayer(url)) await forgetPlayers();
  }
}

async function marked(response) {
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(text.replace("<head>", "<head>\n  " + MARK), {
    status: response.status,
    statusText: response.statusText,
    headers: headers,
  });
}

async function kept(url) {
  const cache = await caches.open(isPublic(url) ? PUBLIC : PERSONAL);
  const found = await cache.match(cacheKey(url), { ignoreVary: true });
  if (found || !isPublic(url)) return found;
  // A filtered library offline: the whole library is better than nothing.
  return cache.match(cacheKey(url), { ignoreVary: true, ignoreSearch: true });
}

async function page(event, url) {
  try {
    const response = await fetch(event.request);
    event.waitUntil(remember(url, response.clone()).catch(() => {}));
    return response;
  } catch (error) {
    const copy = (await kept(url)) || (await caches.match(SETTINGS.offline, { ignoreVary: true }));
    if (!copy) throw error;
    return marked(copy);
  }
}

async function staticFile(request) {
  const found = await caches.match(request, { ignoreVary: true });
  if (found) return found;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    caches.open(STATIC).then((cache) => cache.put(request, copy)).catch(() => {});
  }
  return response;
}

async function publicFile(event) {
  try {
    const response = await fetch(event.request);
    if (response.ok) {
      const copy = response.clone();
      event.waitUntil(caches.open(PUBLIC).then((cache) => cache.put(event.request, copy)).catch(() => {}));
    }
    return response;
  } catch (error) {
    const found = await caches.match(event.request, { ignoreVary: true });
    if (found) return found;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!SETTINGS) return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // Nothing sent is ever kept. A form sent (new safety answers, a profile, deleted data...)
    // may change what the player allows: its kept copies go, and the next visit keeps a new one.
    // The player's own session saves are left alone; it forgets its copy after a stop itself.
    if (!(request.method === "PUT" && url.pathname.startsWith("/api/sessions/"))) {
      event.waitUntil(forgetPlayers());
    }
    return;
  }
  if (url.pathname.startsWith("/api/") || NEVER.has(url.pathname)) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event, url));
  } else if (PUBLIC_PATHS.has(url.pathname)) {
    event.respondWith(publicFile(event)); // the player's figure CSS, the manifest
  }
  // Anything else (htmx fragments, the JSON API) goes to the network untouched.
});

// From static/offline.js: keep the page the person is on (the first visit happens before the
// worker runs), or fetch the public pages again after the account changed.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const reply = (ok) => {
    if (port) port.postMessage({ ok: ok });
  };
  let work = null;
  if (data.type === "remember" && typeof data.url === "string") {
    const url = new URL(data.url, self.location);
    if (url.origin === self.location.origin && !url.pathname.startsWith("/api/")) {
      work = fresh(url.href).then((response) => remember(url, response));
    }
  } else if (data.type === "refresh-public" && SETTINGS) {
    work = keepAll(PUBLIC, SETTINGS.public, true);
  } else if (data.type === "forget-player") {
    work = forgetPlayers();
  }
  if (work === null) {
    reply(false);
    return;
  }
  event.waitUntil(work.then(() => reply(true), () => reply(false)));
});
