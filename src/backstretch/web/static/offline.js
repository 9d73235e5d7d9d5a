/* backstretch: offline use, loaded by every page. Plain JavaScript, no build step.
 *
 * - Registers the service worker (/sw.js) and makes sure the page on screen is kept for offline
 *   use; <html data-offline="ready"> says it is.
 * - Keeps the person's pages apart on a shared browser: when the page's account key
 *   (<meta name="backstretch-account">) is empty (logged out) or not the one the personal cache
 *   was filled for, the personal cache is emptied.
 * - A personal page the worker served from its cache is shown only while its login is still on
 *   this browser (the backstretch_account cookie holds the same key): otherwise the personal
 *   cache is emptied and the offline page shown. The worker checks this itself where it can
 *   read cookies (Cookie Store API); this is the same check for browsers where it cannot.
 * - Queues sessions that could not be sent (IndexedDB, one entry per session uuid holding its
 *   latest body, tagged with the account key) and sends them when the page sees the network
 *   again: on the `online` event and on every page load. A queued session goes only to the
 *   account it was made in, and only when the server agrees that account is the one logged in.
 *   2xx: sent, forgotten. 404/409/422 (and other answers that will never change): forgotten and
 *   listed as not saved. 401 (login expired), 5xx, no network: kept, tried again later.
 *
 * The player (static/player.js) uses the same queue through window.backstretchOffline. The
 * only words shown come from the page (the data-line of [data-not-saved]).
 */
(function () {
  "use strict";

  const DB_NAME = "backstretch-offline";
  const QUEUE = "queue"; // {uuid, account, json, queuedAt}
  const REJECTED = "rejected"; // {uuid, account, status, reason, startedAt, at}
  const LEGACY = "backstretch-unsaved:"; // the localStorage copies of earlier versions
  const CACHE_ACCOUNT = "backstretch-cache-account"; // whose pages the personal cache holds
  const PERSONAL_CACHES = "backstretch-personal-";
  const REFUSED_FOR_GOOD = new Set([400, 404, 409, 410, 413, 422]);
  const ACCOUNT_CHECK_MS = 30000;

  function meta(name) {
    const node = document.querySelector('meta[name="' + name + '"]');
    return node ? node.getAttribute("content") || "" : "";
  }

  const account = meta("backstretch-account");
  // Served by the worker from its cache: the account key is the one the page was kept with.
  const fromCache = meta("backstretch-from-cache") === "yes";
  const keptAs = meta("backstretch-kept-as"); // "personal" or "public"
  const LOCAL_ACCOUNT = "local"; // one person, no login
  const ACCOUNT_COOKIE = "backstretch_account";

  // IndexedDB ----------------------------------------------------------------------------------

  let opening = null;

  function database() {
    if (opening) return opening;
    opening = new Promise((resolve, reject) => {
      if (!("indexedDB" in window)) {
        reject(new Error("no IndexedDB"));
        return;
      }
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(QUEUE)) db.createObjectStore(QUEUE, { keyPath: "uuid" });
        if (!db.objectStoreNames.contains(REJECTED)) db.createObjectStore(REJECTED, { keyPath: "uuid" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB blocked"));
    });
    opening.catch(() => {
      opening = null;
    });
    return opening;
  }

  // Run `work(stores)` in one transaction; resolve with its result once the transaction commits.
  async function transact(names, mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode);
      const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
      let result;
      Promise.resolve()
        .then(() => work(stores))
        .then((value) => {
          result = value;
        }, reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
    });
  }

  function asPromise(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // Keep the latest body of a session (one entry per uuid: a newer body replaces the older).
  function keep(uuid, body, accountKey) {
    const entry = {
      uuid: uuid,
      account: accountKey === undefined ? account : accountKey,
      json: typeof body === "string" ? body : JSON.stringify(body),
      queuedAt: Date.now(),
    };
    return transact([QUEUE], "readwrite", (stores) => {
      stores[QUEUE].put(entry);
    });
  }

  // Forget a queued session once the server has it, unless a newer body was queued meanwhile.
  function settled(uuid, json) {
    return transact([QUEUE], "readwrite", async (stores) => {
      const entry = await asPromise(stores[QUEUE].get(uuid));
      if (entry && entry.json === json) stores[QUEUE].delete(uuid);
    });
  }

  // The server will never take this session: forget it, and remember to say so.
  function refused(uuid, json, status, reason, accountKey) {
    let startedAt = null;
    try {
      startedAt = JSON.parse(json).started_at || null;
    } catch (error) {
      // the reason is still worth showing
    }
    const note = {
      uuid: uuid,
      account: accountKey === undefined ? account : accountKey,
      status: status,
      reason: reason,
      startedAt: startedAt,
      at: Date.now(),
    };
    return transact([QUEUE, REJECTED], "readwrite", (stores) => {
      stores[QUEUE].delete(uuid);
      stores[REJECTED].put(note);
    }).then(showRefused);
  }

  function allOf(name) {
    return transact([name], "readonly", (stores) => asPromise(stores[name].getAll()));
  }

  function queued() {
    return allOf(QUEUE).then((entries) => entries.filter((entry) => entry.account === account));
  }

  // Sending --------------------------------------------------------------------------------------

  // A page kept in the cache may carry an old CSRF token: the server's latest one wins.
  let freshToken = "";

  function send(uuid, json, keepalive) {
    return fetch("/api/sessions/" + encodeURIComponent(uuid), {
      method: "PUT",
      headers: { "Content-Type": "application/json", "x-csrftoken": freshToken || meta("csrf-token") },
      body: json,
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
    });
  }

  // What to do with a session after the server answered: "saved", "refused" (for good) or
  // "later" (login expired, server trouble: the session waits in the queue).
  function verdict(status) {
    if (status >= 200 && status < 300) return "saved";
    if (REFUSED_FOR_GOOD.has(status)) return "refused";
    return "later";
  }

  async function reasonOf(response) {
    try {
      const detail = (await response.json()).detail;
      if (detail) return typeof detail === "string" ? detail : JSON.stringify(detail);
    } catch (error) {
      // not JSON: the status will do
    }
    return String(response.status);
  }

  // Ask the server who is logged in now; the page itself may be old.
  let lastCheck = { at: -Infinity, same: false };

  async function sameAccount() {
    if (!account) return false;
    if (lastCheck.same && Date.now() - lastCheck.at < ACCOUNT_CHECK_MS) return true;
    let same = false;
    try {
      const response = await fetch("/offline/account", { credentials: "same-origin", cache: "no-store" });
      const answer = response.ok ? await response.json() : {};
      same = answer.account === account;
      if (same && answer.csrf) freshToken = answer.csrf;
    } catch (error) {
      same = false;
    }
    lastCheck = { at: Date.now(), same: same };
    return same;
  }

  function forgetAccountCheck() {
    lastCheck = { at: -Infinity, same: false };
  }

  // A session open in a player belongs to that page: nobody else sends it meanwhile (also
  // across tabs, with the Web Locks API, released when the page goes away).
  const claimed = new Set();

  function lockName(uuid) {
    return "backstretch-session-" + uuid;
  }

  function claim(uuid) {
    claimed.add(uuid);
    if (navigator.locks) {
      navigator.locks.request(lockName(uuid), () => new Promise(() => {})).catch(() => {});
    }
  }

  function unlessClaimed(uuid, work) {
    if (claimed.has(uuid)) return Promise.resolve("busy");
    if (!navigator.locks) return work();
    return navigator.locks.request(lockName(uuid), { ifAvailable: true }, (lock) => (lock ? work() : "busy"));
  }

  async function replayOne(uuid) {
    const entry = await transact([QUEUE], "readonly", (stores) => asPromise(stores[QUEUE].get(uuid)));
    if (!entry || entry.account !== account) return "done";
    let response;
    try {
      response = await send(entry.uuid, entry.json);
    } catch (error) {
      return "offline";
    }
    const what = verdict(response.status);
    if (what === "saved") {
      await settled(entry.uuid, entry.json);
      const answer = await response.json().catch(() => ({}));
      if (answer.outcome && answer.outcome.blocks && answer.outcome.blocks.length) await forgetPlayer();
    }
    else if (what === "refused") await refused(entry.uuid, entry.json, response.status, await reasonOf(response));
    else if (response.status === 401 || response.status === 403) forgetAccountCheck();
    return what;
  }

  async function replayAll() {
    if (!account || navigator.onLine === false) return;
    const entries = await queued();
    if (!entries.length || !(await sameAccount())) return;
    for (const entry of entries) {
      const result = await unlessClaimed(entry.uuid, () => replayOne(entry.uuid));
      if (result === "offline") {
        forgetAccountCheck();
        return; // no network after all: the rest waits for the next chance
      }
    }
  }

  let replaying = null;

  // Send every queued session of this account (one run at a time).
  function replay() {
    if (!replaying) {
      replaying = replayAll()
        .catch(() => {})
        .finally(() => {
          replaying = null;
        });
    }
    return replaying;
  }

  // Copies kept in localStorage by earlier versions move into the queue, under this account.
  async function migrate() {
    if (!account || fromCache) return;
    let keys = [];
    try {
      keys = Object.keys(localStorage).filter((key) => key.startsWith(LEGACY));
    } catch (error) {
      return;
    }
    const have = new Set((await allOf(QUEUE)).map((entry) => entry.uuid));
    for (const key of keys) {
      const uuid = key.slice(LEGACY.length);
      const json = localStorage.getItem(key);
      let valid = false;
      try {
        valid = json !== null && typeof JSON.parse(json) === "object";
      } catch (error) {
        valid = false;
      }
      if (valid && !have.has(uuid)) await keep(uuid, json, account);
      localStorage.removeItem(key);
    }
  }

  // Sessions that were not saved, listed where the page has room for them -------------------------

  async function showRefused() {
    const boxes = document.querySelectorAll("[data-not-saved]");
    if (!boxes.length) return;
    let notes = [];
    try {
      notes = (await allOf(REJECTED)).filter((note) => note.account === account);
    } catch (error) {
      notes = [];
    }
    notes.sort((a, b) => a.at - b.at);
    for (const box of boxes) {
      const list = box.querySelector("ul");
      const line = box.dataset.line || "{when}: {reason}";
      list.replaceChildren(
        ...notes.map((note) => {
          const item = document.createElement("li");
          const when = note.startedAt ? new Date(note.startedAt).toLocaleString() : "";
          item.textContent = line.replace("{when}", when).replace("{reason}", note.reason);
          item.dataset.uuid = note.uuid;
          return item;
        })
      );
      box.hidden = notes.length === 0;
    }
  }

  async function forgetRefused() {
    await transact([REJECTED], "readwrite", async (stores) => {
      for (const note of await asPromise(stores[REJECTED].getAll())) {
        if (note.account === account) stores[REJECTED].delete(note.uuid);
      }
    });
    await showRefused();
  }

  // The caches -------------------------------------------------------------------------------------

  async function clearPersonal() {
    if (!("caches" in window)) return;
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PERSONAL_CACHES)).map((name) => caches.delete(name)));
  }

  // The player after a stop that pauses the programme: no kept copy may start a session offline.
  async function forgetPlayer() {
    if (!("caches" in window)) return;
    const names = (await caches.keys()).filter((name) => name.startsWith(PERSONAL_CACHES));
    for (const name of names) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname === "/play") await cache.delete(request);
      }
    }
  }

  function accountCookie() {
    for (const part of document.cookie.split(";")) {
      const [name, ...value] = part.trim().split("=");
      if (name === ACCOUNT_COOKIE) return decodeURIComponent(value.join("="));
    }
    return "";
  }

  // A kept personal page whose login is no longer on this browser: its pages go, and so does
  // this one (the offline page takes its place). Returns true when it went.
  async function guardKeptPage() {
    if (!fromCache || keptAs !== "personal" || account === LOCAL_ACCOUNT) return false;
    if (account && accountCookie() === account) return false;
    document.documentElement.hidden = true;
    await clearPersonal();
    location.replace("/offline");
    return true;
  }

  // Returns true when the personal cache was emptied because someone else's pages were in it.
  async function guardPersonalCache() {
    if (fromCache) return false; // an old page says nothing about who is logged in now
    let before = null;
    try {
      before = localStorage.getItem(CACHE_ACCOUNT);
    } catch (error) {
      before = null;
    }
    if (account && before === account) return false;
    await clearPersonal();
    try {
      localStorage.setItem(CACHE_ACCOUNT, account);
    } catch (error) {
      // without storage the cache is emptied on every page: safe, only slower
    }
    return before !== null && before !== account;
  }

  function ask(worker, message) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(false), 15000);
      channel.port1.onmessage = (event) => {
        clearTimeout(timer);
        resolve(Boolean(event.data && event.data.ok));
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  async function registerWorker(accountChanged) {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    try {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    } catch (error) {
      // Offline, the worker cannot be checked for an update; the one running carries on.
      if (!navigator.serviceWorker.controller) return;
    }
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (!worker) return;
    if (accountChanged) await ask(worker, { type: "refresh-public" });
    // The first visit happens before the worker runs: ask it to keep this page now. Pages seen
    // logged out are not kept (the personal cache was just emptied for them).
    const here = location.href.split("#")[0];
    let kept = fromCache || Boolean(await caches.match(here, { ignoreVary: true }));
    if (!kept && account) kept = await ask(worker, { type: "remember", url: here });
    if (kept) document.documentElement.dataset.offline = "ready";
  }

  // Start ----------------------------------------------------------------------------------------

  async function start() {
    if (await guardKeptPage().catch(() => false)) return;
    let accountChanged = false;
    try {
      accountChanged = await guardPersonalCache();
    } catch (error) {
      accountChanged = false;
    }
    registerWorker(accountChanged).catch(() => {});
    try {
      await migrate();
    } catch (error) {
      // the old copies stay where they are until the next page
    }
    await replay();
    await showRefused();
  }

  window.backstretchOffline = {
    account: account,
    fromCache: fromCache,
    keep: keep,
    send: send,
    settled: settled,
    refused: refused,
    verdict: verdict,
    reasonOf: reasonOf,
    sameAccount: sameAccount,
    forgetAccountCheck: forgetAccountCheck,
    claim: claim,
    replay: replay,
    queued: queued,
    forgetPlayer: forgetPlayer,
    showRefused: showRefused,
  };

  window.addEventListener("online", () => {
    forgetAccountCheck();
    replay();
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-not-saved-clear]");
    if (button) forgetRefused().catch(() => {});
  });
  start().catch(() => {});
})();
