// The "I SIGURT" app: builds the report form from the categories JSON, keeps every report in an
// IndexedDB queue until the server answers 201, then shows the code and secret. The reporter
// chooses whether they stay on this phone; by default they last only until the app is closed or
// Quick exit is pressed. "My reports" (codes, answers, messages) opens with a tap, or with a PIN
// when one is set, and is closed again by Quick exit, which also forgets what was being typed.
// Messages, information and pictures for a report wait in an "outbox" store until the API
// accepts them.
// Each queued item gets its Idempotency-Key when it is queued, so a resend never duplicates it.
(function () {
  "use strict";
  var body = document.body;
  var LANG = body.getAttribute("data-lang") || "sq";
  var API = body.getAttribute("data-reports-api");
  var LANG_KEY = "isigurt-app-lang";
  var texts = document.getElementById("app-texts").dataset;
  var form = document.getElementById("app-form");
  var specs = {};
  var flushing = false;
  var timer = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  // A line of advice, its web addresses made links (as the web confirmation page does).
  function linked(line) {
    var li = el("li");
    String(line).split(/(https?:\/\/[^\s<>"]+)/).forEach(function (part, i) {
      if (i % 2 === 0) { if (part) li.appendChild(document.createTextNode(part)); return; }
      var tail = (part.match(/[.,;:!?)]+$/) || [""])[0];
      var url = part.slice(0, part.length - tail.length);
      var a = el("a", "", url);
      a.href = url;
      a.rel = "noopener noreferrer";
      li.appendChild(a);
      if (tail) li.appendChild(document.createTextNode(tail));
    });
    return li;
  }

  // --- language: Albanian unless the reporter chose English in the app ---------------------
  try {
    var chosen = localStorage.getItem(LANG_KEY);
    if (chosen && chosen !== LANG && location.pathname === body.getAttribute("data-shell-sq")) {
      location.replace(body.getAttribute("data-shell-" + chosen));
      return;
    }
  } catch (e) { /* storage blocked: stay */ }
  $all("[data-lang-choice]").forEach(function (link) {
    link.addEventListener("click", function () {
      try { localStorage.setItem(LANG_KEY, link.getAttribute("data-lang-choice")); } catch (e) { /* ignore */ }
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: body.getAttribute("data-scope") })
      .catch(function () { /* the app still works online */ });
  }

  // --- IndexedDB: "queue" (reports not yet acknowledged) and "receipts" (code + secret) -----
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open("isigurt-app", 2);
        open.onupgradeneeded = function () {
          var names = open.result.objectStoreNames;
          ["queue", "receipts", "outbox", "settings"].forEach(function (name) {
            if (!names.contains(name)) open.result.createObjectStore(name, { keyPath: "key" });
          });
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function tx(stores, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(stores, mode);
        var result = work(t);
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(store) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var r = d.transaction(store).objectStore(store).getAll();
        r.onsuccess = function () { resolve(r.result || []); };
        r.onerror = function () { reject(r.error); };
      });
    });
  }
  function put(store, item) { return tx([store], "readwrite", function (t) { t.objectStore(store).put(item); }); }
  function remove(store, key) { return tx([store], "readwrite", function (t) { t.objectStore(store).delete(key); }); }
  // Change a queued item as it is stored now, never a snapshot: re-read inside the write
  // transaction, and do nothing if it was deleted (or changed state) in the meantime.
  function update(key, expectedState, change) { return updateIn("queue", key, expectedState, change); }
  function updateIn(name, key, expectedState, change) {
    return tx([name], "readwrite", function (t) {
      var store = t.objectStore(name);
      var read = store.get(key);
      read.onsuccess = function () {
        var current = read.result;
        if (!current || (expectedState && current.state !== expectedState)) return;
        change(current);
        store.put(current);
      };
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- categories (cached by the service worker, and here as a fallback) -------------------
  function loadCategories(audience) {
    var url = body.getAttribute("data-categories-" + audience);
    var key = "isigurt-categories:" + LANG + ":" + audience;
    return fetch(url, { headers: { "Accept-Language": LANG, Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* ignore */ }
        return data;
      })
      .catch(function () {
        var saved = localStorage.getItem(key);
        if (saved) return JSON.parse(saved);
        throw new Error("offline");
      });
  }

  function showCategories(audience) {
    var box = $("#category-box");
    var list = $("#category-list");
    var loading = $("#category-loading");
    box.hidden = false;
    loading.hidden = false;
    return loadCategories(audience).then(function (data) {
      var items = Array.isArray(data) ? data : data.categories || data.items || [];
      var previous = chosenCategories();
      list.innerHTML = "";
      specs = {};
      items.forEach(function (spec) {
        specs[spec.category] = spec;
        var id = "app-category-" + spec.category;
        var row = el("div", "choice-card");
        var input = el("input");
        // Several may be chosen: the first chosen in the list's order is the main one.
        input.type = "checkbox"; input.name = "category"; input.value = spec.category; input.id = id;
        input.setAttribute("aria-describedby", id + "-explanation");
        if (previous.indexOf(spec.category) !== -1) input.checked = true;
        var label = el("label", "", spec.label);
        label.htmlFor = id;
        row.appendChild(input); row.appendChild(label);
        row.appendChild(el("p", "hint", spec.explanation)).id = id + "-explanation";
        list.appendChild(row);
      });
      loading.hidden = true;
      showFields();
    }).catch(function () {
      loading.hidden = false;
      loading.textContent = texts.loadFailed;
    });
  }

  // The categories chosen, in the list's order (the main one first).
  function chosenCategories() {
    return $all('input[name="category"]', form).filter(function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }

  function showFields() {
    var chosen = chosenCategories().filter(function (name) { return specs[name]; });
    var spec = chosen.length ? specs[chosen[0]] : null;
    $("#details").hidden = !spec;
    if (!spec) return;
    // The questions of every category chosen.
    var fields = [];
    chosen.forEach(function (name) {
      (specs[name].fields || []).forEach(function (f) { if (fields.indexOf(f) === -1) fields.push(f); });
    });
    $all("[data-field]", form).forEach(function (box) {
      box.hidden = fields.indexOf(box.getAttribute("data-field")) === -1;
    });
    var note = $("#evidence-note");
    note.hidden = !spec.evidence_note;
    $("#evidence-note-text").textContent = spec.evidence_note || "";
    // The contact box hides itself again when "stay anonymous" is chosen.
    var anonymous = form.querySelector('input[name="contact_method"]:checked');
    if (anonymous) anonymous.dispatchEvent(new Event("change"));
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "audience") showCategories(event.target.value);
    if (event.target.name === "category") showFields();
  });

  function lines(name) {
    var field = form.elements[name];
    if (!field) return [];
    return field.value.split(/\r?\n/).map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function value(name) {
    var field = form.elements[name];
    if (!field) return "";
    if (field.length !== undefined && field.tagName !== "SELECT") {
      var checked = $all('input[name="' + name + '"]', form).filter(function (r) { return r.checked; })[0];
      return checked ? checked.value : "";
    }
    return field.type === "checkbox" ? field.checked : field.value;
  }

  function reportBody() {
    var chosen = chosenCategories().filter(function (name) { return specs[name]; });
    var asked = [];
    chosen.forEach(function (name) {
      (specs[name].fields || []).forEach(function (f) { if (asked.indexOf(f) === -1) asked.push(f); });
    });
    var county = value("county_code");
    var data = {
      category: chosen[0],
      categories: chosen,
      audience: value("audience"),
      child_in_danger: value("child_in_danger") === "yes",
      language: LANG
    };
    var all = {
      platform: value("platform"), urls: lines("urls"), usernames: lines("usernames"),
      phone_numbers: lines("phone_numbers"), occurred_on: value("occurred_on") || null,
      affected: value("affected") || "unknown", age_band: value("age_band") || "unknown",
      gender: value("gender") || "unknown",
      county_code: county && county !== "outside" ? county : null,
      municipality_slug: value("municipality_slug") || null,
      outside_albania: county === "outside",
      description: value("description"),
      contact_method: value("contact_method") || "anonymous",
      contact_value: value("contact_value"), contact_consent: value("contact_consent") === true
    };
    Object.keys(all).forEach(function (name) { if (asked.indexOf(name) !== -1) data[name] = all[name]; });
    return data;
  }

  // The rejected report being fixed in the form: it stays in the queue until its new version is
  // queued, so closing the app while fixing it loses nothing.
  var editingKey = null;

  // Queue the report; when it is a fixed rejected one, replace that in the same transaction.
  // The Idempotency-Key changes only if the body changed (the same body keeps its key).
  function enqueue(body) {
    var fresh = { key: uuid(), body: body, created: Date.now(), attempts: 0, next: 0, state: "queued" };
    var oldKey = editingKey;
    return tx(["queue"], "readwrite", function (t) {
      var store = t.objectStore("queue");
      if (!oldKey) { store.put(fresh); return; }
      var read = store.get(oldKey);
      read.onsuccess = function () {
        var old = read.result;
        if (old && JSON.stringify(old.body) === JSON.stringify(body)) {
          old.state = "queued"; old.attempts = 0; old.next = 0; delete old.errors;
          store.put(old);
          return;
        }
        if (old) { fresh.created = old.created; store.delete(oldKey); }
        store.put(fresh);
      };
    }).then(function () { editingKey = null; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (window.isigurtReportForm && !window.isigurtReportForm.validate(form)) return;
    if (!chosenCategories().some(function (name) { return specs[name]; })) {
      var first = form.querySelector('input[name="category"]');
      if (first) first.focus();
      return;
    }
    enqueue(reportBody()).then(function () {
      form.reset();
      $("#details").hidden = true;
      $("#category-box").hidden = true;
      $("#danger-now").hidden = true;
      return pinRecord().then(function (pin) {
        if (!pin) setOpen(true);
        else $("#unlock-status").textContent = texts.sentLocked;
        render(texts.queued);
        flush();
      });
    });
  });

  // --- sending: an item leaves the queue only after a 201 ----------------------------------
  function backoff(attempts, retryAfter) {
    var wait = Math.min(300, 2 * Math.pow(2, Math.max(0, attempts - 1)));
    if (retryAfter > 0) wait = Math.max(wait, retryAfter);
    return Date.now() + wait * 1000;
  }

  // Only a JSON answer from the API that names what is wrong is a rejection the reporter must
  // fix; anything else (a captive portal's page, a redirect to HTML, 408, 409, 429, 5xx, a lost
  // answer) may be the network's doing: keep the report and try again later, with the same key.
  var REJECTED = [400, 413, 415, 422];

  function retryLater(item, retryAfter) {
    return update(item.key, "queued", function (current) {
      current.attempts = (current.attempts || 0) + 1;
      current.next = backoff(current.attempts, retryAfter);
    });
  }

  function isJson(response) {
    var type = (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();
    return type === "application/json" || type === "application/problem+json";
  }

  function sendOne(item) {
    return fetch(API, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json", "Idempotency-Key": item.key, "Accept-Language": LANG,
        Accept: "application/json", "X-Isigurt-Client": "app"
      },
      body: JSON.stringify(item.body)
    }).then(function (response) {
      var retryAfter = parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
      if (response.status === 201 && isJson(response) && !response.redirected) {
        return response.json().then(function (data) {
          if (!data || !data.tracking_code) return retryLater(item, 0);
          // Not kept beyond this visit unless the reporter chooses so (see "visits" below).
          var receipt = {
            key: item.key, code: data.tracking_code, secret: data.secret,
            advice: data.advice || [], created: item.created, keep: false, visit: null,
            category: item.body.category, audience: item.body.audience
          };
          return tx(["queue", "receipts"], "readwrite", function (t) {
            t.objectStore("receipts").put(receipt);
            t.objectStore("queue").delete(item.key);
          });
        }, function () { return retryLater(item, 0); });
      }
      if (REJECTED.indexOf(response.status) !== -1 && isJson(response) && !response.redirected) {
        return response.json().then(function (data) {
          if (!data || (!data.errors && !data.detail)) return retryLater(item, retryAfter);
          var errors = (Array.isArray(data.errors) ? data.errors : []).map(function (e) {
            return { field: e.field || "", message: e.message || "" };
          });
          if (!errors.length) errors = [{ field: "", message: String(data.detail || response.status) }];
          return update(item.key, "queued", function (current) {
            current.state = "rejected";
            current.errors = errors;
          });
        }, function () { return retryLater(item, retryAfter); });
      }
      return retryLater(item, retryAfter);
    }, function () {
      // No connection, or the answer was lost: same key next time, the server replays.
      return retryLater(item, 0);
    });
  }

  function flush(force) {
    if (flushing) return Promise.resolve();
    flushing = true;
    var run = function () {
      return all("queue").then(function (items) {
        var now = Date.now();
        var due = items.filter(function (i) { return i.state === "queued" && (force || i.next <= now); })
          .sort(function (a, b) { return a.created - b.created; });
        if (due.length) render(texts.sending);
        return due.reduce(function (chain, item) {
          return chain.then(function () { return sendOne(item); });
        }, Promise.resolve());
      }).then(function () { return all("outbox"); }).then(function (items) {
        var now = Date.now();
        var due = items.filter(function (i) { return i.state === "queued" && (force || i.next <= now); })
          .sort(function (a, b) { return a.created - b.created; });
        return due.reduce(function (chain, item) {
          return chain.then(function () { return sendFollowUp(item); });
        }, Promise.resolve()).then(function () { if (due.length && thread) loadThread(); });
      });
    };
    var locked = navigator.locks ? navigator.locks.request("isigurt-app-queue", run) : run();
    return locked.catch(function () { /* try again later */ }).then(function () {
      flushing = false;
      return render();
    }).then(schedule);
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    return Promise.all([all("queue"), all("outbox")]).then(function (stores) {
      var items = stores[0].concat(stores[1]);
      var next = items.filter(function (i) { return i.state === "queued"; })
        .reduce(function (soonest, i) { return Math.min(soonest, i.next); }, Infinity);
      if (next !== Infinity) timer = setTimeout(flush, Math.max(500, next - Date.now()));
    });
  }

  // --- visits: a code not kept on the phone lasts until the app is closed or Quick exit ------
  // A visit is this tab's life (sessionStorage survives a reload, not a close). Each open page
  // holds a Web Lock named after its visit, so a receipt shown in a visit that has ended (no page
  // holds its lock any more) and not kept by choice is removed before anything is drawn.
  var VISIT_KEY = "isigurt:app-visit";
  var OPEN_KEY = "isigurt:app-open";
  var visit = null;
  try { visit = sessionStorage.getItem(VISIT_KEY); } catch (e) { /* storage blocked */ }
  if (!visit) {
    visit = uuid();
    try { sessionStorage.setItem(VISIT_KEY, visit); } catch (e) { /* a new visit each time */ }
  }
  if (navigator.locks) {
    navigator.locks.request("isigurt-visit:" + visit, function () { return new Promise(function () {}); })
      .catch(function () { /* released when the page goes */ });
  }
  function liveVisits() {
    if (!navigator.locks || !navigator.locks.query) return Promise.resolve([visit]);
    return navigator.locks.query().then(function (state) {
      return (state.held || []).map(function (l) { return (l.name || "").replace("isigurt-visit:", ""); })
        .concat([visit]);
    }, function () { return [visit]; });
  }
  // Receipts stored before the choice existed were promised to stay until dismissed.
  function kept(receipt) { return receipt.keep !== false; }
  function forgetEndedVisits() {
    return liveVisits().then(function (live) {
      return all("receipts").then(function (receipts) {
        var gone = receipts.filter(function (r) { return !kept(r) && r.visit && live.indexOf(r.visit) === -1; });
        if (!gone.length) return null;
        return tx(["receipts"], "readwrite", function (t) {
          gone.forEach(function (r) { t.objectStore("receipts").delete(r.key); });
        });
      });
    });
  }

  // --- "My reports": open with a tap, or with the PIN when one is set --------------------------
  var unlocked = false;
  function setOpen(open) {
    unlocked = open;
    try {
      if (open) sessionStorage.setItem(OPEN_KEY, "1");
      else sessionStorage.removeItem(OPEN_KEY);
    } catch (e) { /* memory only */ }
  }
  function getSetting(key) {
    return db().then(function (d) {
      return new Promise(function (resolve) {
        var r = d.transaction("settings").objectStore("settings").get(key);
        r.onsuccess = function () { resolve(r.result || null); };
        r.onerror = function () { resolve(null); };
      });
    });
  }
  function pinRecord() { return getSetting("pin"); }

  // The PIN is never stored: only PBKDF2-SHA-256 of it with a random salt (WebCrypto).
  var PIN_ITERATIONS = 600000;
  var PIN_FREE_TRIES = 5;
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function unhex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }
  function pinHash(pin, salt, iterations) {
    var subtle = window.crypto && crypto.subtle;
    if (!subtle) return Promise.reject(new Error("no WebCrypto"));
    return subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"])
      .then(function (key) {
        return subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations }, key, 256);
      }).then(hex);
  }
  function pinValid(pin) { return /^[0-9]{4,8}$/.test(pin); }
  function pinWait(record) { return Math.max(0, (((record && record.until) || 0) - Date.now()) / 1000); }
  function sayWait(seconds) { return texts.pinWait.replace("{seconds}", String(Math.ceil(seconds))); }

  function tryUnlock(pin) {
    var status = $("#unlock-status");
    return pinRecord().then(function (record) {
      if (!record) { setOpen(true); return render(); }
      var wait = pinWait(record);
      if (wait > 0) { status.textContent = sayWait(wait); return null; }
      return pinHash(pin, unhex(record.salt), record.iterations).then(function (hash) {
        if (hash === record.hash) {
          return updateIn("settings", "pin", null, function (r) { r.fails = 0; r.until = 0; }).then(function () {
            status.textContent = "";
            setOpen(true);
            return render().then(function () { $("#mine-title").focus(); });
          });
        }
        var fails = (record.fails || 0) + 1;
        // Several free tries (fingers slip), then a wait that doubles, at most 15 minutes.
        var delay = fails >= PIN_FREE_TRIES ? Math.min(900, 30 * Math.pow(2, fails - PIN_FREE_TRIES)) : 0;
        return updateIn("settings", "pin", null, function (r) {
          r.fails = fails; r.until = delay ? Date.now() + delay * 1000 : 0;
        }).then(function () { status.textContent = delay ? sayWait(delay) : texts.pinWrong; });
      });
    });
  }

  function savePin(pin) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    return pinHash(pin, salt, PIN_ITERATIONS).then(function (hash) {
      return put("settings", { key: "pin", salt: hex(salt), hash: hash, iterations: PIN_ITERATIONS, fails: 0, until: 0 });
    });
  }

  // --- copying the code and the secret --------------------------------------------------------
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function copyFrom(node) {
    var status = $("#copy-status");
    var text = node.textContent;
    status.textContent = "";
    var fallback = function () { selectText(node); status.textContent = texts.selected; };
    if (!navigator.clipboard || !navigator.clipboard.writeText) { fallback(); return; }
    navigator.clipboard.writeText(text).then(function () { status.textContent = texts.copied; }, fallback);
  }
  function codeRow(dl, label, copyLabel, value, cls) {
    dl.appendChild(el("dt", "", label));
    var dd = el("dd", "code-row");
    var box = el("span", "code-box " + cls, value);
    dd.appendChild(box);
    var copy = el("button", "button secondary copy", texts.copy);
    copy.type = "button";
    copy.setAttribute("aria-label", copyLabel);
    copy.addEventListener("click", function () { copyFrom(box); });
    dd.appendChild(copy);
    dl.appendChild(dd);
  }

  // --- what the reporter sees: waiting reports, receipts, the conversation --------------------
  function clearMine() {
    $("#receipt-list").innerHTML = "";
    $("#queue-list").innerHTML = "";
    $("#queue-status").textContent = "";
    closeThread();
  }

  function render(status) {
    $("#offline-note").hidden = navigator.onLine !== false;
    return Promise.all([all("queue"), all("receipts"), pinRecord(), all("outbox")]).then(function (stores) {
      var queue = stores[0], receipts = stores[1], pin = stores[2];
      $("#pin-remove").hidden = !pin;
      $("#lock-box").hidden = unlocked;
      $("#mine-open").hidden = !unlocked;
      $("#unlock-form").hidden = !pin;
      $("#open-box").hidden = !!pin;
      if (!unlocked) { clearMine(); return null; }
      var qList = $("#queue-list");
      qList.innerHTML = "";
      $("#queue").hidden = queue.length === 0 || !!thread;
      var waiting = queue.some(function (i) { return i.state === "queued"; });
      $("#queue-status").textContent = waiting ? (status || (navigator.onLine === false ? texts.queued : texts.waiting)) : "";
      queue.forEach(function (item) {
        var li = el("li", "card queued-report");
        var spec = specs[item.body.category];
        li.appendChild(el("p", "", spec ? spec.label : new Date(item.created).toLocaleString()));
        if (item.state === "rejected" || item.state === "editing") {
          li.appendChild(el("p", "field-error", texts.rejected));
          var ul = el("ul", "errorlist");
          (item.errors || []).forEach(function (e) { ul.appendChild(el("li", "", e.message)); });
          li.appendChild(ul);
          var fix = el("button", "button secondary", texts.edit);
          fix.type = "button";
          fix.addEventListener("click", function () { editItem(item); });
          li.appendChild(fix);
        }
        var del = el("button", "button secondary", texts["delete"]);
        del.type = "button";
        del.addEventListener("click", function () {
          if (editingKey === item.key) editingKey = null;
          remove("queue", item.key).then(function () { render(); });
        });
        li.appendChild(del);
        qList.appendChild(li);
      });
      var rList = $("#receipt-list");
      rList.innerHTML = "";
      $("#receipts").hidden = receipts.length === 0 || !!thread;
      var shown = [];
      receipts.sort(function (a, b) { return a.created - b.created; }).forEach(function (receipt) {
        if (!kept(receipt) && !receipt.visit) shown.push(receipt.key);
        var li = el("li", "card receipt");
        var dl = el("dl", "codes");
        codeRow(dl, texts.code, texts.copyCode, receipt.code, "tracking-code");
        codeRow(dl, texts.secret, texts.copySecret, receipt.secret || "—", "tracking-secret");
        li.appendChild(dl);
        var open = el("button", "button primary open-thread", texts.openThread);
        open.type = "button";
        open.addEventListener("click", function () { openThread(receipt); });
        li.appendChild(open);
        var keep = el("fieldset", "keep");
        keep.appendChild(el("legend", "", texts.keepLegend));
        [["visit", texts.keepVisit], ["phone", texts.keepPhone]].forEach(function (option) {
          var id = "keep-" + option[0] + "-" + receipt.key;
          var p = el("p", "choice");
          var input = el("input");
          input.type = "radio"; input.name = "keep-" + receipt.key; input.value = option[0]; input.id = id;
          input.checked = (option[0] === "phone") === kept(receipt);
          input.addEventListener("change", function () {
            updateIn("receipts", receipt.key, null, function (r) {
              r.keep = input.value === "phone";
              r.visit = visit;
            });
          });
          var label = el("label", "", option[1]);
          label.htmlFor = id;
          p.appendChild(input); p.appendChild(label);
          keep.appendChild(p);
        });
        keep.appendChild(el("p", "hint", texts.keepHint));
        li.appendChild(keep);
        if (receipt.advice && receipt.advice.length) {
          li.appendChild(el("p", "", texts.advice));
          var ul = el("ul", "advice");
          receipt.advice.forEach(function (line) { ul.appendChild(linked(line)); });
          li.appendChild(ul);
        }
        var done = el("button", "button secondary", texts.dismiss);
        done.type = "button";
        done.addEventListener("click", function () { remove("receipts", receipt.key).then(function () { render(); }); });
        li.appendChild(done);
        rList.appendChild(li);
      });
      // Seen in this visit: from now on it lasts as long as the visit (unless kept).
      if (shown.length) {
        return tx(["receipts"], "readwrite", function (t) {
          var store = t.objectStore("receipts");
          shown.forEach(function (key) {
            var read = store.get(key);
            read.onsuccess = function () {
              if (read.result && !read.result.visit) { read.result.visit = visit; store.put(read.result); }
            };
          });
        });
      }
      if (thread) drawOutbox(stores[3]);
      return null;
    });
  }

  // --- the conversation: the tracking page's functions, through the public API ---------------
  var thread = null; // the receipt whose conversation is open
  function reportUrl(code, tail) { return API + "/" + encodeURIComponent(code) + (tail || ""); }

  function openThread(receipt) {
    thread = receipt;
    $("#conversation").hidden = false;
    $("#receipts").hidden = true;
    $("#queue").hidden = true;
    $("#report").hidden = true;
    $("#advice").hidden = true;
    $("#pin-settings").hidden = true;
    $("#conversation-code").textContent = receipt.code;
    $("#conversation-status").textContent = "";
    $("#conversation-thread").innerHTML = "";
    var spec = specs[receipt.category];
    var refused = spec && spec.evidence_allowed === false;
    if (!spec && receipt.audience && receipt.category) {
      try {
        var saved = JSON.parse(localStorage.getItem("isigurt-categories:" + LANG + ":" + receipt.audience) || "null");
        var list = saved ? saved.categories || [] : [];
        list.forEach(function (s) { if (s.category === receipt.category) refused = s.evidence_allowed === false; });
      } catch (e) { /* the server decides */ }
    }
    $("#picture-form").hidden = refused;
    $("#picture-refused").hidden = !refused;
    $("#conversation-title").focus();
    loadThread();
    all("outbox").then(drawOutbox);
  }

  function closeThread() {
    thread = null;
    $("#conversation").hidden = true;
    $("#conversation-thread").innerHTML = "";
    $("#conversation-code").textContent = "";
    $("#conversation-status").textContent = "";
    $("#conversation-note").textContent = "";
    $("#message-text").value = "";
    $("#picture-file").value = "";
    $("#report").hidden = false;
    $("#advice").hidden = false;
    $("#pin-settings").hidden = false;
  }

  function loadThread() {
    var receipt = thread;
    if (!receipt) return Promise.resolve();
    var note = $("#conversation-note");
    return fetch(reportUrl(receipt.code), {
      credentials: "same-origin", cache: "no-store",
      headers: { "X-Report-Secret": receipt.secret || "", "Accept-Language": LANG, Accept: "application/json" }
    }).then(function (response) {
      if (thread !== receipt) return null;
      if (!response.ok || !isJson(response)) {
        note.textContent = response.status === 404 ? texts.threadFailed : texts.offlineThread;
        return null;
      }
      return response.json().then(function (data) {
        if (thread !== receipt) return;
        note.textContent = data.messages && data.messages.length ? "" : texts.noMessages;
        $("#conversation-status").textContent = data.status_label || "";
        var list = $("#conversation-thread");
        list.innerHTML = "";
        (data.messages || []).forEach(function (m) {
          var li = el("li", m.from_helpline ? "from-helpline" : "from-reporter");
          var who = m.from_helpline ? texts.fromHelpline : texts.fromYou;
          if (m.kind === "information") who += " · " + texts.information;
          li.appendChild(el("p", "who", who));
          li.appendChild(el("p", "", m.body));
          list.appendChild(li);
        });
      });
    }, function () { if (thread === receipt) note.textContent = texts.offlineThread; });
  }

  function drawOutbox(items) {
    var list = $("#conversation-thread");
    $all(".outbox-item", list).forEach(function (node) { node.remove(); });
    if (!thread) return;
    items.filter(function (i) { return i.receipt === thread.key || i.code === thread.code; })
      .sort(function (a, b) { return a.created - b.created; })
      .forEach(function (item) {
        var li = el("li", "from-reporter outbox-item");
        li.appendChild(el("p", "who", texts.fromYou + " · " + (item.state === "rejected" ? texts.outboxRejected : texts.outboxWaiting)));
        var what = item.kind === "evidence" ? texts.picture + ": " + (item.name || "") : item.text;
        if (item.kind === "information") what = texts.information + ": " + what;
        li.appendChild(el("p", "", what));
        if (item.state === "rejected") {
          var ul = el("ul", "errorlist");
          (item.errors || []).forEach(function (e) { ul.appendChild(el("li", "", e.message)); });
          li.appendChild(ul);
          var del = el("button", "button secondary", texts["delete"]);
          del.type = "button";
          del.addEventListener("click", function () { remove("outbox", item.key).then(function () { all("outbox").then(drawOutbox); }); });
          li.appendChild(del);
        }
        list.appendChild(li);
      });
  }

  // Queued with the code and secret it needs, so it is delivered even if the receipt is removed.
  function queueFollowUp(fields) {
    var item = {
      key: uuid(), receipt: thread.key, code: thread.code, secret: thread.secret,
      created: Date.now(), attempts: 0, next: 0, state: "queued"
    };
    Object.keys(fields).forEach(function (name) { item[name] = fields[name]; });
    return put("outbox", item).then(function () {
      $("#conversation-note").textContent = texts.messageQueued;
      return all("outbox");
    }).then(drawOutbox).then(function () { flush(true); });
  }

  // Messages and information honour Idempotency-Key: a resend after a lost answer is answered
  // as the first time and adds nothing (pictures do not read it yet).
  function sendFollowUp(item) {
    var headers = {
      "X-Report-Secret": item.secret || "", "Idempotency-Key": item.key, "Accept-Language": LANG,
      Accept: "application/json", "X-Isigurt-Client": "app"
    };
    var payload;
    var path = "/messages";
    if (item.kind === "evidence") {
      payload = new FormData();
      payload.append("file", item.blob, item.name || "picture");
      path = "/evidence";
    } else if (item.kind === "information") {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify({ text: item.text });
      path = "/information";
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify({ body: item.text });
    }
    var later = function (retryAfter) {
      return updateIn("outbox", item.key, "queued", function (current) {
        current.attempts = (current.attempts || 0) + 1;
        current.next = backoff(current.attempts, retryAfter);
      });
    };
    return fetch(reportUrl(item.code, path), {
      method: "POST", credentials: "same-origin", headers: headers, body: payload
    }).then(function (response) {
      var retryAfter = parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
      if (response.status === 201 && isJson(response) && !response.redirected) return remove("outbox", item.key);
      if ((REJECTED.indexOf(response.status) !== -1 || response.status === 404) && isJson(response) && !response.redirected) {
        return response.json().then(function (data) {
          var errors = (data && Array.isArray(data.errors) ? data.errors : []).map(function (e) { return { message: e.message || "" }; });
          if (!errors.length) errors = [{ message: String((data && data.detail) || response.status) }];
          return updateIn("outbox", item.key, "queued", function (current) { current.state = "rejected"; current.errors = errors; });
        }, function () { return later(retryAfter); });
      }
      return later(retryAfter);
    }, function () { return later(0); });
  }

  function editItem(item) {
    var data = item.body;
    var audience = form.querySelector('input[name="audience"][value="' + data.audience + '"]');
    if (audience) audience.checked = true;
    showCategories(data.audience).then(function () {
      (data.categories || [data.category]).forEach(function (name) {
        var category = form.querySelector('input[name="category"][value="' + name + '"]');
        if (category) category.checked = true;
      });
      showFields();
      Object.keys(data).forEach(function (name) {
        var field = form.elements[name];
        var v = data[name];
        if (!field || name === "audience" || name === "category" || name === "categories") return;
        if (Array.isArray(v)) v = v.join("\n");
        if (name === "county_code" && data.outside_albania) v = "outside";
        if (name === "child_in_danger") v = v ? "yes" : "";
        $all('[name="' + name + '"]', form).forEach(function (input) {
          if (input.type === "radio") input.checked = input.value === v;
          else if (input.type === "checkbox") input.checked = v === true;
          else input.value = v === null ? "" : v;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
      // Kept in the queue (as "editing") until the fixed version is queued in its place.
      editingKey = item.key;
      return update(item.key, null, function (current) { current.state = "editing"; });
    }).then(function () { render(); form.scrollIntoView(); });
  }

  // --- buttons and forms of "My reports" ------------------------------------------------------
  $("#open-mine").addEventListener("click", function () {
    pinRecord().then(function (pin) {
      if (pin) return render();
      setOpen(true);
      return render().then(function () { $("#mine-title").scrollIntoView(); });
    });
  });
  $("#close-mine").addEventListener("click", function () {
    setOpen(false);
    clearMine();
    $("#mine-open").hidden = true;
    $("#lock-box").hidden = false;
    render().then(function () { $("#mine-title").focus(); });
  });
  $("#conversation-back").addEventListener("click", function () { closeThread(); render(); });
  $("#unlock-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("#unlock-pin");
    var pin = input.value;
    input.value = "";
    $("#unlock-status").textContent = "";
    tryUnlock(pin);
  });
  $("#forgot-pin").addEventListener("click", function () { $("#forgot-box").hidden = false; });
  // Forgetting the PIN removes the kept codes and the PIN; queued reports and messages stay
  // and are still delivered.
  $("#forgot-confirm").addEventListener("click", function () {
    tx(["receipts", "settings"], "readwrite", function (t) {
      t.objectStore("receipts").clear();
      t.objectStore("settings").delete("pin");
    }).then(function () {
      $("#forgot-box").hidden = true;
      setOpen(true);
      return render();
    }).then(function () { $("#pin-status").textContent = texts.pinForgotten; });
  });
  $("#pin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var first = $("#pin-new"), again = $("#pin-again"), status = $("#pin-status");
    if (!pinValid(first.value)) { status.textContent = texts.pinShort; first.focus(); return; }
    if (first.value !== again.value) { status.textContent = texts.pinMismatch; again.value = ""; again.focus(); return; }
    var pin = first.value;
    first.value = ""; again.value = "";
    savePin(pin).then(function () { status.textContent = texts.pinSaved; return render(); });
  });
  $("#pin-remove").addEventListener("click", function () {
    remove("settings", "pin").then(function () { $("#pin-status").textContent = texts.pinRemoved; return render(); });
  });
  $("#message-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("#message-text");
    var text = box.value.trim();
    if (!text) { $("#conversation-note").textContent = texts.messageEmpty; box.focus(); return; }
    var kind = document.querySelector('input[name="message-kind"]:checked');
    kind = kind && kind.value === "information" ? "information" : "message";
    queueFollowUp({ kind: kind, text: text }).then(function () { box.value = ""; });
  });
  $("#picture-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("#picture-file");
    var file = input.files && input.files[0];
    if (!file) { $("#conversation-note").textContent = texts.pictureEmpty; input.focus(); return; }
    // Kept as a Blob in IndexedDB only until the server has it.
    queueFollowUp({ kind: "evidence", blob: file, name: file.name, type: file.type }).then(function () { input.value = ""; });
  });

  // --- Quick exit: nothing to read on this page, nothing left that was not chosen --------------
  // The app takes over quick-exit.js's job here (it stops the event before that script sees it)
  // so that the codes not kept by choice are removed before the page goes: the page hides at
  // once, and leaves when IndexedDB confirms, or after 300 ms at most. Unsent text is forgotten;
  // reports and messages already queued stay queued (never lost) and are sent next time.
  var exit = document.getElementById("quick-exit");
  var leaving = false;
  function quickExit(event) {
    if (event) { event.preventDefault(); event.stopImmediatePropagation(); }
    if (leaving) return;
    leaving = true;
    body.style.display = "none";
    setOpen(false);
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var name = sessionStorage.key(i);
        if (name && name.indexOf("isigurt:") === 0) sessionStorage.removeItem(name);
      }
    } catch (e) { /* nothing kept */ }
    clearMine();
    $("#mine-open").hidden = true;
    $("#lock-box").hidden = false;
    $all("input[type=password], textarea").forEach(function (input) { input.value = ""; });
    form.reset();
    $("#details").hidden = true;
    $("#category-box").hidden = true;
    // Once only: a second replace() would abort the first navigation.
    var gone = false;
    var go = function () {
      if (gone) return;
      gone = true;
      location.replace(exit.getAttribute("data-exit-url") || exit.href);
    };
    setTimeout(go, 300);
    tx(["receipts"], "readwrite", function (t) {
      var cursor = t.objectStore("receipts").openCursor();
      cursor.onsuccess = function () {
        var at = cursor.result;
        if (!at) return;
        if (!kept(at.value)) at["delete"]();
        at["continue"]();
      };
    }).then(go, go);
  }
  if (exit) {
    document.addEventListener("click", function (event) {
      if (event.target instanceof Element && event.target.closest("#quick-exit")) quickExit(event);
    }, true);
    window.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !event.defaultPrevented) quickExit(event);
    }, true);
  }
  // Back to a page kept in the back-forward cache: it starts again from the start screen.
  // A page kept in the back-forward cache keeps nothing of "My reports" (emptied as it is left),
  // and coming back to it after Quick exit starts a new visit with an empty form.
  window.addEventListener("pagehide", function () { if (!leaving) clearMine(); });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    var current = null;
    try { current = sessionStorage.getItem(VISIT_KEY); } catch (e) { /* none */ }
    if (current !== visit) {
      form.reset();
      $("#details").hidden = true;
      $("#category-box").hidden = true;
      visit = current || uuid();
      try { sessionStorage.setItem(VISIT_KEY, visit); } catch (e) { /* memory only */ }
    }
    try { unlocked = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { unlocked = false; }
    leaving = false;
    body.style.display = "";
    forgetEndedVisits().catch(function () { /* nothing */ }).then(pinRecord).then(function (pin) {
      if (pin) setOpen(false);
      return render();
    });
  });

  window.addEventListener("online", function () { flush(true); });
  window.addEventListener("offline", function () { render(); });
  setInterval(flush, 30000);
  try { unlocked = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { unlocked = false; }
  forgetEndedVisits().catch(function () { /* nothing to remove */ }).then(pinRecord).then(function (pin) {
    if (pin) setOpen(false);
    return render();
  }).then(function () { return flush(true); });
})();
