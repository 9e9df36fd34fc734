// The card scanner without network: each scanned card is kept on the phone (IndexedDB) with a
// scan id made here, the phone's time and the chosen purpose, shown as waiting, and sent to
// POST /api/v1/activities/{id}/offline-scans when the network is back (the online event, a
// timer, or the upload button). The page also registers the service worker that lets it open
// offline. Plain ES5 with guards: it runs in old WebViews (WeChat's browser on cheap phones).
(function () {
  var panel = document.getElementById("offline");
  if (!panel || !window.Promise) { return; }
  var data = panel.dataset;
  var activityId = Number(data.activity);
  var form = document.getElementById("code-form");
  var input = document.getElementById("code");
  var result = document.getElementById("scan-result");
  var count = document.getElementById("offline-count");
  var queue = document.getElementById("offline-queue");
  var answers = document.getElementById("offline-results");
  var upload = document.getElementById("offline-sync");
  var clear = document.getElementById("offline-clear");
  var note = document.getElementById("offline-note");
  var STORE = "scans", BATCH = 100, RETRY_MS = 30000;
  var csrf = data.csrf, opened = null, syncing = false;

  // --- IndexedDB ---------------------------------------------------------------------------
  function database() {
    if (!window.indexedDB) { return Promise.reject(new Error("IndexedDB")); }
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = window.indexedDB.open("offline-scans", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "scan_id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }

  function change(work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, "readwrite");
        work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(); };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  function kept() {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var items = [], transaction = db.transaction(STORE, "readonly");
        transaction.objectStore(STORE).openCursor().onsuccess = function (event) {
          var cursor = event.target.result;
          if (cursor) {
            if (cursor.value.activity_id === activityId) { items.push(cursor.value); }
            cursor["continue"]();
          }
        };
        transaction.oncomplete = function () {
          items.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
          resolve(items);
        };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  // --- one scan ----------------------------------------------------------------------------
  function scanId() {
    var cryptography = window.crypto || window.msCrypto, bytes = new Array(16), hex = "", i;
    if (cryptography && cryptography.randomUUID) { return cryptography.randomUUID(); }
    if (cryptography && cryptography.getRandomValues && window.Uint8Array) {
      bytes = cryptography.getRandomValues(new Uint8Array(16));
    } else {
      for (i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    for (i = 0; i < 16; i++) { hex += (bytes[i] + 256).toString(16).slice(1); }
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function two(number) { return (number < 10 ? "0" : "") + number; }

  // The phone's time with its offset: 2026-12-16T10:00:05+08:00.
  function deviceTime(moment) {
    var offset = -moment.getTimezoneOffset(), sign = offset < 0 ? "-" : "+";
    offset = Math.abs(offset);
    return moment.getFullYear() + "-" + two(moment.getMonth() + 1) + "-" + two(moment.getDate()) +
      "T" + two(moment.getHours()) + ":" + two(moment.getMinutes()) + ":" +
      two(moment.getSeconds()) + sign + two(Math.floor(offset / 60)) + ":" + two(offset % 60);
  }

  function purpose() {
    var chosen = panel.querySelector("input[name=offline-purpose]:checked");
    return chosen ? chosen.value : "in";
  }

  function say(text, kind) {
    result.textContent = text;
    result.className = "scan-result " + kind;
  }

  function keep(code, scannedAt, chosen) {
    var scan = { scan_id: scanId(), card_code: code, scanned_at: scannedAt || deviceTime(new Date()),
                 purpose: chosen || purpose(), activity_id: activityId, state: "waiting" };
    return change(function (store) { store.put(scan); }).then(function () {
      say(data.msgKept, "warn");
      return show();
    }, function () { say(data.msgNoStorage, "warn"); });
  }

  // --- what the page shows -----------------------------------------------------------------
  function line(list, text, kind) {
    var item = document.createElement("li");
    item.textContent = text;
    item.className = kind;
    list.appendChild(item);
  }

  function label(scan) {
    return scan.card_code + " · " + (scan.purpose === "out" ? data.msgOut : data.msgIn) +
      " · " + scan.scanned_at.slice(11, 16);
  }

  function show() {
    return kept().then(function (items) {
      var waiting = 0, refused = 0;
      queue.innerHTML = "";
      items.forEach(function (scan) {
        if (scan.state === "waiting") {
          waiting += 1;
          line(queue, label(scan) + " — " + data.msgWaiting, "waiting");
        } else {
          refused += 1;
          line(queue, label(scan) + " — " + data.msgRefused + scan.message, "refused");
        }
      });
      count.textContent = String(waiting);
      upload.disabled = !waiting;
      clear.hidden = !refused;
      note.hidden = navigator.onLine !== false;
      panel.hidden = navigator.onLine !== false && !items.length && !answers.children.length;
    }, function () { panel.hidden = navigator.onLine !== false; });
  }

  // --- sending -----------------------------------------------------------------------------
  function freshToken() {
    return fetch(location.pathname, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var found = /data-csrf="([^"]+)"/.exec(html);
      if (found) { csrf = found[1]; }
    });
  }

  function post(batch, again) {
    var body = JSON.stringify({ scans: batch.map(function (scan) {
      return { scan_id: scan.scan_id, card_code: scan.card_code, scanned_at: scan.scanned_at,
               purpose: scan.purpose };
    }) });
    return fetch(data.api, {
      method: "POST", credentials: "same-origin", body: body,
      // The answers' reasons in the page's language (the API otherwise follows the browser's).
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "Accept-Language": document.documentElement.lang || "zh-CN",
                 "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.ok) { return answer.results; }
        var error = answer.error || {};
        if (error.code === "csrf_failed" && !again) {
          return freshToken().then(function () { return post(batch, true); });
        }
        throw new Error(error.message || String(response.status));
      });
    });
  }

  function settle(batch, results) {
    var byId = {};
    batch.forEach(function (scan) { byId[scan.scan_id] = scan; });
    return change(function (store) {
      results.forEach(function (answer) {
        var scan = byId[answer.scan_id], error = answer.error || {};
        if (!scan) { return; }
        var recorded = answer.status === "recorded" ||
          (answer.status === "duplicate" && answer.outcome === "recorded");
        if (recorded) {
          line(answers, label(scan) + " — " +
               (answer.status === "duplicate" ? data.msgDuplicate : data.msgRecorded), "ok");
          store["delete"](scan.scan_id);
        } else if (error.code === "too_many_wrong_tries") {
          line(answers, label(scan) + " — " + error.message, "warn");  // stays waiting
        } else {
          line(answers, label(scan) + " — " + data.msgRefused + error.message, "warn");
          scan.state = "refused";
          scan.message = error.message;
          store.put(scan);
        }
      });
    });
  }

  function sendAll(waiting) {
    if (!waiting.length) { return Promise.resolve(); }
    var batch = waiting.slice(0, BATCH);
    return post(batch).then(function (results) { return settle(batch, results); })
      .then(function () { return sendAll(waiting.slice(BATCH)); });
  }

  function sync() {
    if (syncing || navigator.onLine === false || !window.fetch) { return Promise.resolve(); }
    syncing = true;
    return kept().then(function (items) {
      var waiting = items.filter(function (scan) { return scan.state === "waiting"; });
      if (waiting.length) {
        answers.innerHTML = "";
        if (result.textContent === data.msgKept) { say("", ""); }
      }
      return sendAll(waiting);
    })["catch"](function (error) {
      say(data.msgFailed + (error && error.message ? " " + error.message : ""), "warn");
    }).then(function () {
      syncing = false;
      return show();
    });
  }

  // --- wiring ------------------------------------------------------------------------------
  window.offlineScans = { keep: keep };

  // A typed code: offline it is kept at once; online the form posts as before, and the code is
  // remembered for the moment the post takes, in case the network turns out to be down (the
  // service worker then brings the kept page back with ?offline=1).
  var TYPED = "offline-scans:typed";
  function remember(value) {
    try {
      if (value) { window.sessionStorage.setItem(TYPED, JSON.stringify(value)); }
      else { window.sessionStorage.removeItem(TYPED); }
    } catch (error) { /* private mode: nothing remembered */ }
  }
  function remembered() {
    try { return JSON.parse(window.sessionStorage.getItem(TYPED) || "null"); } catch (error) { return null; }
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      var code = input.value.replace(/^\s+|\s+$/g, "");
      if (navigator.onLine !== false) {
        remember({ code: code, scanned_at: deviceTime(new Date()), purpose: purpose() });
        return;
      }
      event.preventDefault();
      if (code) {
        input.value = "";
        keep(code);
      }
    });
  }
  var typed = remembered();
  remember(null);
  if (typed && typed.code && /[?&]offline=1/.test(location.search)) {
    keep(typed.code, typed.scanned_at, typed.purpose);
  }
  if (/[?&]offline=1/.test(location.search) && window.history && history.replaceState) {
    history.replaceState(null, "", location.pathname);
  }
  upload.addEventListener("click", sync);
  clear.addEventListener("click", function () {
    kept().then(function (items) {
      return change(function (store) {
        items.forEach(function (scan) {
          if (scan.state !== "waiting") { store["delete"](scan.scan_id); }
        });
      });
    }).then(show);
  });
  window.addEventListener("online", sync);
  window.addEventListener("offline", show);
  setInterval(sync, RETRY_MS);
  show().then(sync);

  if (navigator.serviceWorker && window.caches) {
    navigator.serviceWorker.register(data.worker, { scope: data.scope }).then(function () {
      return window.caches.open(data.cache);
    }).then(function (cache) {
      return cache.add(location.pathname);
    }).then(function () {
      panel.setAttribute("data-ready", "1");  // this page opens without network now
    })["catch"](function () { /* no offline copy: the page still works online */ });
  }
})();
