/*
 * Claywork's service worker. It keeps exactly two pages readable without a connection: the
 * crisis page (/help/) and the signed-in patient's own safety plan (/safety-plan/), plus the
 * static files those pages use. Nothing else is stored, and nothing else is answered from the
 * cache. See docs/crisis.md.
 *
 * - Network first: online, every visit gets the server's page (and the stored copy is
 *   refreshed); the stored copy is used only when the network fails.
 * - A page the server no longer gives this browser (a redirect to sign in, a 404) is removed.
 * - Signing out (a POST to /accounts/logout/ from any page) removes every stored copy, and
 *   ends this browser's push subscription (the server revokes it too).
 *
 * Any other page asked for while offline gets a small app shell made here (no stored copy of
 * anything private): it says the device is offline and links the two pages that work.
 *
 * It also shows push reminders (claywork/push): a message says "Claywork" and a neutral line,
 * never anything about health, and a tap opens the reminder's page on this site only.
 */
"use strict";

var VERSION = "v1";
var PAGES = "claywork-offline-pages-" + VERSION;
var ASSETS = "claywork-offline-static-" + VERSION;
var OFFLINE_PATHS = ["/help/", "/safety-plan/"];
// The crisis page shows the patient's plan too: a fresh plan refreshes its stored copy.
var ALSO_REFRESH = { "/safety-plan/": ["/help/"] };
var SIGN_OUT_PATH = "/accounts/logout/";
var STATIC_PREFIX = "/static/";

function forgetEverything() {
  return caches.keys().then(function (names) {
    return Promise.all(
      names
        .filter(function (name) { return name.indexOf("claywork-offline-") === 0; })
        .map(function (name) { return caches.delete(name); })
    );
  });
}

function staticUrlsIn(html) {
  var found = [];
  var pattern = /(?:href|src)="(\/static\/[^"?#]+)"/g;
  var match;
  while ((match = pattern.exec(html)) !== null) {
    if (found.indexOf(match[1]) === -1) { found.push(match[1]); }
  }
  return found;
}

function keepAssets(html) {
  return caches.open(ASSETS).then(function (cache) {
    return Promise.all(staticUrlsIn(html).map(function (url) {
      return cache.match(url).then(function (hit) {
        return hit || cache.add(url).catch(function () { /* kept next time */ });
      });
    }));
  });
}

/* Store a page the server gave this browser, or drop the copy the server no longer gives. */
function remember(path, response) {
  var fresh = response.ok && response.type === "basic" && !response.redirected;
  if (!fresh) {
    if (response.status >= 500) { return Promise.resolve(); }  // keep the copy through outages
    // Signed out elsewhere, or the session ended: nothing private stays behind.
    var signedOut = response.type === "opaqueredirect" || response.redirected;
    if (signedOut) { return forgetEverything(); }
    return caches.open(PAGES).then(function (cache) { return cache.delete(path); });
  }
  var page = response.clone();
  return Promise.all([
    caches.open(PAGES).then(function (cache) { return cache.put(path, page); }),
    response.clone().text().then(keepAssets),
  ]);
}

function storedPage(path) {
  return caches.open(PAGES)
    .then(function (cache) { return cache.match(path, { ignoreVary: true }); })
    .then(function (hit) { return hit || Response.error(); });
}

function refresh(paths) {
  return Promise.all(paths.map(function (path) {
    return fetch(path, { credentials: "same-origin", redirect: "manual" })
      .then(function (response) { return remember(path, response); })
      .catch(function () { /* offline: stored on the next visit */ });
  }));
}

self.addEventListener("install", function (event) {
  // The page that registered this worker was loaded before it existed: store both pages now,
  // as the signed-in visitor sees them.
  event.waitUntil(refresh(OFFLINE_PATHS).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names
        .filter(function (name) {
          return name.indexOf("claywork-offline-") === 0 && name !== PAGES && name !== ASSETS;
        })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data === "forget") { event.waitUntil(forgetEverything()); }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }

  if (request.method === "POST" && url.pathname === SIGN_OUT_PATH) {
    // Not answered here: the sign-out goes to the server as usual, and the copies go, and
    // so does this browser's push subscription: reminders are for a signed-in person.
    event.waitUntil(Promise.all([forgetEverything(), stopPush()]));
    return;
  }
  if (request.method !== "GET") { return; }

  if (OFFLINE_PATHS.indexOf(url.pathname) !== -1) {
    var path = url.pathname;
    var settle;
    event.waitUntil(new Promise(function (resolve) { settle = resolve; }));
    event.respondWith(
      fetch(request).then(function (response) {
        var fresh = response.ok && !response.redirected;
        settle(remember(path, response).then(function () {
          return fresh ? refresh(ALSO_REFRESH[path] || []) : null;
        }));
        return response;
      }, function () {
        settle();
        return storedPage(path);
      })
    );
    return;
  }

  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlineShell));
    return;
  }

  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(
      fetch(request).catch(function () {
        return caches.open(ASSETS)
          .then(function (cache) { return cache.match(url.pathname); })
          .then(function (hit) { return hit || Response.error(); });
      })
    );
  }
});

/* The app shell for a page that needs a connection: plain words, the two pages kept here. */
function offlineShell() {
  var html = [
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    "<title>Offline · Claywork</title><style>",
    "body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;line-height:1.5;",
    "color:#1f2a27;background:#f7f5f0}main{max-width:32rem;margin:0 auto}",
    "a{color:#2f5d50;font-weight:600}li{margin:.5rem 0}</style></head><body><main>",
    "<h1>You are offline</h1>",
    "<p>This page needs a connection. Anything you were writing stays as a draft on this ",
    "device and is there when you are back online.</p>",
    "<p>These pages work without a connection:</p><ul>",
    "<li><a href=\"/help/\">Need help now? Crisis numbers</a></li>",
    "<li><a href=\"/safety-plan/\">My safety plan</a></li></ul>",
    "</main></body></html>"
  ].join("");
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

/* --- Push reminders -------------------------------------------------------------------------- */

function stopPush() {
  if (!self.registration.pushManager) { return Promise.resolve(); }
  return self.registration.pushManager.getSubscription()
    .then(function (subscription) { return subscription ? subscription.unsubscribe() : false; })
    .catch(function () { /* nothing to stop */ });
}

function sameSite(address) {
  var url = new URL(address || "/notifications/", self.location.origin);
  return url.origin === self.location.origin ? url.href : new URL("/", self.location.origin).href;
}

self.addEventListener("push", function (event) {
  var message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = {}; }
  var options = {
    body: message.body || "A reminder is waiting.",
    tag: message.tag || "claywork-reminder",
    data: { url: sameSite(message.url) },
  };
  // Only this site's own icon (claywork/push/payload.py), never an address from elsewhere.
  var icon = message.icon ? new URL(message.icon, self.location.origin) : null;
  if (icon && icon.origin === self.location.origin) { options.icon = icon.href; }
  event.waitUntil(self.registration.showNotification(message.title || "Claywork", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = sameSite(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var index = 0; index < windows.length; index += 1) {
        if ("navigate" in windows[index]) {
          return windows[index].navigate(target).then(function (client) {
            return client ? client.focus() : self.clients.openWindow(target);
          });
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
