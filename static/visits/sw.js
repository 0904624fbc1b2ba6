// The visits' service worker: pages and files under /visits/ and /static/ are fetched from the
// network when there is one (and kept), and served from the cache when there is none.
"use strict";
var CACHE = "custodywatch-visits-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (!(url.pathname.indexOf("/visits/") === 0 || url.pathname.indexOf("/static/") === 0)) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname + url.search, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname + url.search).then(function (hit) {
          return hit || cache.match(url.pathname) || Response.error();
        });
      });
    })
  );
});
