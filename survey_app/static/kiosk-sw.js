/* The kiosk's service worker (issue 17), served as /kiosk/sw.js so that its scope is /kiosk/.

   It keeps the pages and files an enrolled tablet needs to run the children's questionnaire with
   no network (the list comes from /kiosk/offline/files.json: every page in every shipped
   language, the scripts, styles and symbols) and answers those requests from its cache. Every
   other request (the online kiosk, the upload) goes to the network untouched, and nothing a
   child answers passes through here: the cached pages are blank, the same for every child.

   The cache is filled when the worker installs and whenever a page asks ("refresh", sent from
   the offline start screen while online) and the server's bundle version has changed, into a
   fresh cache that replaces the old one only once it is complete, so a refresh cut short leaves
   the tablet as ready as it was. */
"use strict";

var PREFIX = "kiosk-offline-";

function fill() {
  var name;
  return fetch("/kiosk/offline/files.json", { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (!response.ok) throw new Error("not enrolled: " + response.status);
      return response.json();
    })
    .then(function (listing) {
      name = PREFIX + listing.version;
      return caches.has(name).then(function (kept) {
        if (kept) return { already: true, urls: listing.urls };
        return listing;
      });
    })
    .then(function (listing) {
      if (listing.already) return listing.urls.length; // nothing changed: keep what is kept
      return caches.open(name).then(function (cache) {
        var requests = listing.urls.map(function (url) {
          return new Request(url, { credentials: "same-origin", cache: "no-store" });
        });
        return cache.addAll(requests).then(function () { return listing.urls.length; });
      });
    })
    .then(function (count) {
      return caches.keys().then(function (names) {
        return Promise.all(names.filter(function (old) {
          return old.indexOf(PREFIX) === 0 && old !== name;
        }).map(function (old) { return caches.delete(old); }));
      }).then(function () { return count; });
    }, function (error) {
      return (name ? caches.delete(name) : Promise.resolve()).then(function () { throw error; });
    });
}

function forget() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0;
    }).map(function (name) { return caches.delete(name); }));
  });
}

self.addEventListener("install", function (event) {
  // A tablet enrolled online fills its cache at once; failing that, a later "refresh" will.
  event.waitUntil(fill().catch(function () {}).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("message", function (event) {
  var reply = function (message) { if (event.source) event.source.postMessage(message); };
  if (event.data === "refresh") {
    event.waitUntil(fill().then(
      function (count) { reply({ kind: "cached", files: count }); },
      function () { reply({ kind: "not-cached" }); }
    ));
  } else if (event.data === "forget") { // enrolment revoked: stop collecting
    event.waitUntil(forget().then(function () { reply({ kind: "forgotten" }); }));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var fromCache = function () {
    return caches.match(request).then(function (cached) { return cached || fetch(request); });
  };
  if (url.pathname.indexOf("/kiosk/offline/") === 0) {
    if (url.pathname !== "/kiosk/offline/files.json") event.respondWith(fromCache());
    return;
  }
  if (url.pathname.indexOf("/static/") !== 0) return;
  // Scripts and styles come from the cache for the kept pages only: the online kiosk (also in
  // this scope) always gets the server's current files.
  event.respondWith(self.clients.get(event.clientId).then(function (client) {
    var kept = client && new URL(client.url).pathname.indexOf("/kiosk/offline/") === 0;
    return kept ? fromCache() : fetch(request);
  }));
});
