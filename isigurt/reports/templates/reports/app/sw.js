{% autoescape off %}// I Sigurt app service worker: the shell, its files, the advice pages and the categories work
// offline. Reports are never cached here: the page keeps unsent reports in IndexedDB.
"use strict";
var CACHE = "{{ cache_name }}";
var PRECACHE = {{ precache }};
var SHELL = "{{ shell_url }}";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(PRECACHE.map(function (url) {
        var lang = /[?&]lang=(\w+)/.exec(url);
        var headers = lang ? { "Accept-Language": lang[1] } : {};
        return new Request(url, { cache: "reload", headers: headers });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("isigurt-app-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function precached(url) {
  var path = url.pathname + url.search;
  return PRECACHE.indexOf(path) !== -1;
}

function fromCache(request, url) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(url.pathname + url.search, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      if (request.mode !== "navigate") return null;
      return cache.match(SHELL, { ignoreVary: true });
    });
  });
}

// Network first (so a connected phone always sees the newest answers); the cache when offline
// and also when the server answers with an error (a 503 while the database is down, a 502 from
// a proxy): the cached shell still lets the reporter write a report and queue it.
self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (!precached(url) && request.mode !== "navigate") return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok || response.type === "opaqueredirect") {
        if (precached(url)) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.pathname + url.search, copy); });
        }
        return response;
      }
      return fromCache(request, url).then(function (hit) { return hit || response; });
    }, function () {
      return fromCache(request, url).then(function (hit) { return hit || Response.error(); });
    })
  );
});
{% endautoescape %}
