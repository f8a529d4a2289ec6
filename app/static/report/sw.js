// The reporting page's service worker (served by app/api/report.py, which fills in the version and the list).
// It keeps the page shell and its scripts in the browser's cache so /report opens with no connection; the page
// itself keeps the reports (IndexedDB) and sends them: nothing here depends on Background Sync.
"use strict";
const VERSION = "__VERSION__";
const CACHE = "pesisir-report-" + VERSION;
const SHELL = [
  "__SHELL__"
];
const PAGE = "/report";
const NETWORK_WAIT_MS = 6000; // a weak signal: after this long the cached page is shown

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of SHELL) {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok || response.redirected) throw new Error(`${url}: ${response.status}`);
      await cache.put(url, response);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("pesisir-report-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    // Only the page itself is kept: not a redirect to the login page, not an error page.
    if (response.status === 200 && !response.redirected && response.type === "basic") {
      await cache.put(PAGE, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(PAGE);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // reports go to the network as they are
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.open(CACHE).then((c) => c.match(url.pathname)).then((hit) => hit || fetch(request)));
  }
});
