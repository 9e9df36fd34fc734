// The card scanner's service worker (served by volunteers/checkins/views.py `scanner_worker`).
// It keeps the scanner page and its assets so the page opens without network. Network first:
// online, every answer is the server's as before; only when the network fails is the kept copy
// used. Requests other than the scanner pages and their assets are not touched.
var CACHE = {{ cache_name|tojson }};
var ASSETS = {{ assets|tojson }};
var PAGE = new RegExp({{ page_pattern|tojson }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("scanner-") === 0 && name !== CACHE;
    }).map(function (name) { return caches["delete"](name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && request.mode === "navigate" && PAGE.test(url.pathname)) {
    // A typed code posted while the network is down: back to the kept page, which keeps the
    // code it remembered (static/js/offline-scans.js) instead of showing the browser's error.
    event.respondWith(fetch(request)["catch"](function () {
      return Response.redirect(url.pathname + "?offline=1", 303);
    }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (!PAGE.test(url.pathname) && ASSETS.indexOf(url.pathname) < 0) { return; }
  event.respondWith(fetch(request).then(function (response) {
    // A redirect (to the login page) or an error is not what the page should open as.
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
    }
    return response;
  })["catch"](function () {
    return caches.match(url.pathname, { ignoreSearch: true }).then(function (kept) {
      return kept || Response.error();
    });
  }));
});
