/* The kiosk with no network (issue 17), on the /kiosk/offline/ pages only.

   - Registers the service worker (/kiosk/sw.js, scope /kiosk/) that keeps these pages.
   - On the questionnaire: checks and routes the answers with answers.js from the definition the
     server put in the page, seals them with seal.js to the inspection's public key, and keeps
     only the ciphertext, with a single-use ballot, in IndexedDB ("outbox"), in one durable
     transaction, before the child is thanked. The answers are only ever in the page: never
     written to storage, not even for a moment; the form is reset before leaving.
   - Sends what is waiting, each once: on the start and thanks screens, when the network comes
     back, and when the inspector presses "Send now". A response is deleted from the tablet only
     once the server has acknowledged it (a retry of one already stored is acknowledged too).
   - Keeps a supply of ballots, and tells the server how many responses are waiting (a count).

   What is kept: "ballots" (signed tokens, no answers) and "outbox" ({id, ballot, questionnaire,
   version, sealed}: ciphertext only). */
(function () {
  "use strict";

  var DATABASE = "kiosk-offline";
  var SUPPLY = 200; // ballots to hold: more than a day of children
  var REFILL_BELOW = 100;
  var URLS = {
    ballots: "/kiosk/offline/ballots",
    upload: "/kiosk/offline/upload",
    waiting: "/kiosk/offline/waiting"
  };

  if (!window.indexedDB) return;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk/" }).catch(function () {});
  }

  // --- IndexedDB, as promises ------------------------------------------------------------------

  var opened = null;
  function database() {
    if (opened) return opened;
    opened = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("ballots", { autoIncrement: true });
        request.result.createObjectStore("outbox", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opened;
  }

  function transact(stores, mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(stores, mode, { durability: "strict" });
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onabort = tx.onerror = function () { reject(tx.error || new Error("aborted")); };
        work(tx, function (value) { result = value; });
      });
    });
  }

  function count(store) {
    return transact([store], "readonly", function (tx, done) {
      var request = tx.objectStore(store).count();
      request.onsuccess = function () { done(request.result); };
    });
  }

  function waitingItems() {
    return transact(["outbox"], "readonly", function (tx, done) {
      var request = tx.objectStore("outbox").getAll();
      request.onsuccess = function () { done(request.result); };
    });
  }

  function remove(store, key) {
    return transact([store], "readwrite", function (tx) { tx.objectStore(store).delete(key); });
  }

  // Take one ballot and keep the sealed response with it, both or neither.
  function keep(item) {
    return transact(["ballots", "outbox"], "readwrite", function (tx, done) {
      var cursor = tx.objectStore("ballots").openCursor();
      cursor.onsuccess = function () {
        var found = cursor.result;
        if (!found) { tx.abort(); return; }
        item.ballot = found.value;
        found.delete();
        tx.objectStore("outbox").add(item);
        done(item.id);
      };
    });
  }

  function randomId() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function base64url(bytes) {
    var text = "";
    bytes.forEach(function (byte) { text += String.fromCharCode(byte); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(text) {
    var binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // --- talking to the server -------------------------------------------------------------------

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    });
  }

  var REVOKED = "revoked";

  // Ballots are only ever drawn from this supply; a revoked tablet loses its supply, so it
  // stops collecting (what is waiting stays, to be sent if it is enrolled again).
  function stopCollecting() {
    return transact(["ballots"], "readwrite", function (tx) { tx.objectStore("ballots").clear(); })
      .then(function () {
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage("forget");
        }
        throw new Error(REVOKED);
      });
  }

  function refill() {
    return count("ballots").then(function (held) {
      if (held >= REFILL_BELOW) return held;
      return post(URLS.ballots, { count: SUPPLY - held }).then(function (response) {
        if (response.status === 403) return stopCollecting();
        if (!response.ok) return held;
        return response.json().then(function (body) {
          return transact(["ballots"], "readwrite", function (tx) {
            body.ballots.forEach(function (ballot) { tx.objectStore("ballots").add(ballot); });
          }).then(function () { return held + body.ballots.length; });
        });
      });
    });
  }

  var sending = null;
  // Send every waiting response, one at a time; each is deleted only once acknowledged.
  function sendWaiting() {
    if (sending) return sending;
    var sent = 0;
    sending = waitingItems().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return post(URLS.upload, {
            ballot: item.ballot,
            questionnaire: item.questionnaire,
            version: item.version,
            sealed: item.sealed
          }).then(function (response) {
            if (response.status === 403) return stopCollecting();
            if (!response.ok) return; // 400 or 409: never taken; it stays, counted as waiting
            // Deleted only on a whole acknowledgement: a body cut short rejects here, and the
            // response is sent again later (the server acknowledges a repeat, storing it once).
            return response.json().then(function (ack) {
              if (typeof ack.stored !== "boolean") return;
              return remove("outbox", item.id).then(function () { sent += 1; });
            });
          });
        });
      }, Promise.resolve());
    }).then(function () { return refill(); })
      .then(function () { return count("outbox"); })
      .then(function (waiting) {
        return post(URLS.waiting, { count: waiting }).then(function (response) {
          if (response.status === 403) return stopCollecting(); // revoked, or closed
          return sent;
        });
      });
    var done = function () { sending = null; };
    sending.then(done, done);
    return sending;
  }

  // --- the inspector's panel on the start screen -----------------------------------------------

  var state = document.getElementById("offline-state");
  var sendNow = document.getElementById("offline-send-now");

  function showState(note) {
    if (!state) return Promise.resolve();
    return Promise.all([count("ballots"), count("outbox")]).then(function (counts) {
      state.dataset.ballots = counts[0];
      state.dataset.waiting = counts[1];
      state.textContent = (note ? note + " " : "") + "Ballots left: " + counts[0] +
        ". Waiting to be sent: " + counts[1] + ".";
    });
  }

  function refresh() { // ask the service worker to keep the latest pages, while online
    var worker = navigator.serviceWorker;
    if (!worker) return Promise.resolve("This browser cannot keep pages for use offline.");
    return worker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var listener = function (event) {
          if (!event.data || ["cached", "not-cached"].indexOf(event.data.kind) === -1) return;
          worker.removeEventListener("message", listener);
          resolve(event.data.kind === "cached" ? "Ready with no network." : "Pages not kept yet.");
        };
        worker.addEventListener("message", listener);
        registration.active.postMessage("refresh");
      });
    });
  }

  function sync(note) {
    if (state) state.dataset.busy = "1";
    return sendWaiting().then(
      function (sent) { return showState((note || "") + " Sent: " + sent + "."); },
      function (error) {
        var why = error && error.message === REVOKED
          ? "This tablet has been stopped: it is not collecting."
          : "Not sent: no network.";
        return showState(why);
      }
    ).then(function () { if (state) delete state.dataset.busy; });
  }

  // Web Crypto and service workers need a secure context (HTTPS, or this machine itself).
  var canWorkOffline = !!(window.SurveySeal && SurveySeal.available && navigator.serviceWorker);
  if (state && !canWorkOffline) {
    state.textContent = "This tablet cannot work with no network from this address: " +
      "open the kiosk by its https:// address to set it up.";
  } else if (state) {
    sendNow.hidden = false;
    sendNow.addEventListener("click", function () { sync(); });
    showState("Checking...");
    if (navigator.onLine) {
      refresh().then(function (note) { return sync(note); }, function () { return sync(); });
    } else {
      showState("No network.");
    }
  }

  window.addEventListener("online", function () { sync(); });

  // --- the questionnaire -----------------------------------------------------------------------

  var place = document.getElementById("offline-kiosk");
  var form = document.getElementById("answers-form");
  if (place && form && window.SurveyAnswers && window.SurveySeal) {
    var definition = JSON.parse(place.dataset.definition);
    var publicKey = fromBase64url(place.dataset.publicKey);
    var problem = document.getElementById("offline-problem");
    var notKept = document.getElementById("offline-not-kept");
    var busy = false;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return; // a double tap keeps one response
      problem.hidden = true;
      notKept.hidden = true;
      var checked = SurveyAnswers.check(definition, Array.from(new FormData(form).entries()));
      if (Object.keys(checked.errors).length) {
        problem.hidden = false;
        problem.focus();
        return;
      }
      busy = true;
      Promise.resolve().then(function () { // a browser without X25519 rejects, never hangs
        return SurveySeal.sealAnswers(
          publicKey, checked.answers, place.dataset.inspection, definition.id, definition.version
        );
      }).then(function (sealed) {
        checked = null; // the answers leave memory with the page
        return keep({
          id: randomId(),
          questionnaire: definition.id,
          version: definition.version,
          sealed: base64url(sealed)
        });
      }).then(function () {
        form.reset();
        window.location.replace(place.dataset.thanksUrl);
      }, function () {
        busy = false;
        notKept.hidden = false;
        notKept.focus();
      });
    });
  }

  window.KioskOffline = { sync: sync, count: count };
})();
