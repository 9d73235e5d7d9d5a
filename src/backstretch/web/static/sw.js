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
 *
 * A kept personal page is served only while the login it was kept for is still on this browser:
 * the server keeps the account's key in the cookie backstretch_account beside the login (same
 * lifetime, cleared with it, and by the server when it finds the login gone). Offline, the
 * worker reads that cookie (Cookie Store API) before it serves a personal page: no cookie, or
 * another account's, and the personal cache is dropped and the offline page shown instead, so
 * an expired login, cleared cookies or a login ended elsewhere leave nothing readable. Online,
 * a page that sends the browser to the login page drops the personal cache too. Where a browser
 * has no Cookie Store API in workers, static/offline.js makes the same check in the page.
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
const KEPT_AS = '<meta name="backstretch-kept-as" content="{kind}">';
// The account's opaque key, set by the server beside the (HttpOnly) login cookie.
const ACCOUNT_COOKIE = "backstretch_account";
const LOCAL_ACCOUNT = "local"; // one person and no login: nothing to check
const ACCOUNT_META = /<meta name="backstretch-account" content="([^"]*)">/;

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

// The person's pages go when their login does.
async function dropPersonal() {
  await caches.delete(PERSONAL);
}

function toLogin(response) {
  return response.redirected && new URL(response.url).pathname === "/login";
}

// Tell whether the login a kept page was kept for is still on this browser: the account key in
// its meta against the backstretch_account cookie. Without the Cookie Store API the worker
// cannot tell; the page itself checks then (static/offline.js).
async function loginHolds(copy) {
  const found = ACCOUNT_META.exec(await copy.clone().text());
  const key = found ? found[1] : "";
  if (key === LOCAL_ACCOUNT) return true;
  if (!key) return false;
  if (!self.cookieStore) return true;
  try {
    const cookie = await self.cookieStore.get(ACCOUNT_COOKIE);
    return Boolean(cookie) && cookie.value === key;
  } catch (error) {
    return false;
  }
}

// Keep a page's answer, or forget the kept copy when the server no longer gives that page.
async function remember(url, response) {
  const html = (response.headers.get("content-type") || "").startsWith("text/html");
  if (toLogin(response)) {
    // The login is gone (expired, ended elsewhere): none of its pages stay readable.
    await dropPersonal();
    return;
  }
  if (response.ok && html && response.type === "basic") {
    const found = ACCOUNT_META.exec(await response.clone().text());
    if (found && found[1] === "") await dropPersonal(); // nobody is logged in on this browser now
  }
  const cache = await caches.open(isPublic(url) ? PUBLIC : PERSONAL);
  if (response.ok && html && !response.redirected && response.type === "basic") {
    await cache.put(cacheKey(url), response);
  } else if (response.redirected || (response.status >= 400 && response.status < 500)) {
    // A refusal (409: safety says no), a redirect (no profile, logged out) or a missing page:
    // the old copy must not be played offline either.
    await cache.delete(cacheKey(url));
    if (isPlayer(url)) await forgetPlayers();
  }
}

async function marked(response, kind) {
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  const marks = MARK + "\n  " + KEPT_AS.replace("{kind}", kind);
  return new Response(text.replace("<head>", "<head>\n  " + marks), {
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
    let copy = await kept(url);
    let kind = isPublic(url) ? "public" : "personal";
    if (copy && kind === "personal" && !(await loginHolds(copy))) {
      await dropPersonal();
      copy = undefined;
    }
    if (!copy) {
      copy = await caches.match(SETTINGS.offline, { ignoreVary: true });
      kind = "public";
    }
    if (!copy) throw error;
    return marked(copy, kind);
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

// ---- Reminders: Web Push (issue 18; kept in this one block) ------------------------------------
// The server (services/push.py) sends {title, body, url, tag}, encrypted to this browser's
// subscription. A reminder replaces an unread one with the same tag (a desk break the one before
// it). A tap opens its page ready to start: the window already showing it is brought forward,
// else a window of the app already open goes there, else a new one opens. Only this site's
// pages are ever opened, whatever a payload says.
const PUSH_ICON = "/static/icons/icon-192.png";

function pushTarget(raw) {
  try {
    const url = new URL(typeof raw === "string" && raw ? raw : "/", self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch (error) {
    // not a URL: open the home page
  }
  return new URL("/", self.location.origin).href;
}

function pushPayload(event) {
  if (!event.data) return {};
  try {
    const data = event.data.json();
    return data && typeof data === "object" ? data : {};
  } catch (error) {
    return { body: event.data.text() };
  }
}

self.addEventListener("push", (event) => {
  const data = pushPayload(event);
  const text = (value, fallback) => (typeof value === "string" && value ? value : fallback);
  const shown = self.registration.showNotification(text(data.title, "backstretch"), {
    body: text(data.body, ""),
    tag: text(data.tag, "backstretch"),
    icon: PUSH_ICON,
    badge: PUSH_ICON,
    data: { url: pushTarget(data.url) },
  });
  event.waitUntil(shown);
});

async function openReminder(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const showing = windows.find((client) => client.url === url);
  if (showing) return showing.focus();
  for (const client of windows) {
    if (new URL(client.url).origin !== self.location.origin) continue;
    try {
      const moved = await client.navigate(url); // only a window this worker controls can move
      if (moved) return moved.focus().catch(() => moved);
    } catch (error) {
      // not ours to move: try the next, or open a new window
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const work = openReminder(pushTarget(data.url)).catch(() => null);
  try {
    event.waitUntil(work);
  } catch (error) {
    // An event the page made itself (not the browser's) cannot be extended; the work goes on.
  }
});
// ---- end of Reminders: Web Push -----------------------------------------------------------------
