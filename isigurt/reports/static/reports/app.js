// The "I SIGURT" app: builds the report form from the categories JSON, keeps every report in an
// IndexedDB queue until the server answers 201, and keeps the code and secret until dismissed.
// Each queued report gets its Idempotency-Key when it is queued, so a resend never duplicates it.
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
        var open = indexedDB.open("isigurt-app", 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore("queue", { keyPath: "key" });
          open.result.createObjectStore("receipts", { keyPath: "key" });
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
  function update(key, expectedState, change) {
    return tx(["queue"], "readwrite", function (t) {
      var store = t.objectStore("queue");
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
      var previous = (form.querySelector('input[name="category"]:checked') || {}).value;
      list.innerHTML = "";
      specs = {};
      items.forEach(function (spec) {
        specs[spec.category] = spec;
        var id = "app-category-" + spec.category;
        var row = el("div", "choice-card");
        var input = el("input");
        input.type = "radio"; input.name = "category"; input.value = spec.category; input.id = id;
        input.required = true;
        input.setAttribute("aria-describedby", id + "-explanation");
        if (spec.category === previous) input.checked = true;
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

  function showFields() {
    var chosen = form.querySelector('input[name="category"]:checked');
    var spec = chosen && specs[chosen.value];
    $("#details").hidden = !spec;
    if (!spec) return;
    var fields = spec.fields || [];
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
    var spec = specs[value("category")];
    var asked = spec.fields || [];
    var county = value("county_code");
    var data = {
      category: spec.category,
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
    if (!specs[value("category")]) return;
    enqueue(reportBody()).then(function () {
      form.reset();
      $("#details").hidden = true;
      $("#category-box").hidden = true;
      $("#danger-now").hidden = true;
      render(texts.queued);
      flush();
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
          var receipt = {
            key: item.key, code: data.tracking_code, secret: data.secret,
            advice: data.advice || [], created: item.created
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
    return all("queue").then(function (items) {
      var next = items.filter(function (i) { return i.state === "queued"; })
        .reduce(function (soonest, i) { return Math.min(soonest, i.next); }, Infinity);
      if (next !== Infinity) timer = setTimeout(flush, Math.max(500, next - Date.now()));
    });
  }

  // --- what the reporter sees: waiting reports and receipts ---------------------------------
  function render(status) {
    $("#offline-note").hidden = navigator.onLine !== false;
    return Promise.all([all("queue"), all("receipts")]).then(function (stores) {
      var queue = stores[0], receipts = stores[1];
      var qList = $("#queue-list");
      qList.innerHTML = "";
      $("#queue").hidden = queue.length === 0;
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
      $("#receipts").hidden = receipts.length === 0;
      receipts.forEach(function (receipt) {
        var li = el("li", "card receipt");
        var dl = el("dl", "codes");
        dl.appendChild(el("dt", "", texts.code));
        dl.appendChild(el("dd", "code-box tracking-code", receipt.code));
        dl.appendChild(el("dt", "", texts.secret));
        dl.appendChild(el("dd", "code-box tracking-secret", receipt.secret || "—"));
        li.appendChild(dl);
        if (receipt.advice && receipt.advice.length) {
          li.appendChild(el("p", "", texts.advice));
          var ul = el("ul", "advice");
          receipt.advice.forEach(function (line) { ul.appendChild(el("li", "", line)); });
          li.appendChild(ul);
        }
        var done = el("button", "button secondary", texts.dismiss);
        done.type = "button";
        done.addEventListener("click", function () { remove("receipts", receipt.key).then(function () { render(); }); });
        li.appendChild(done);
        rList.appendChild(li);
      });
    });
  }

  function editItem(item) {
    var data = item.body;
    var audience = form.querySelector('input[name="audience"][value="' + data.audience + '"]');
    if (audience) audience.checked = true;
    showCategories(data.audience).then(function () {
      var category = form.querySelector('input[name="category"][value="' + data.category + '"]');
      if (category) category.checked = true;
      showFields();
      Object.keys(data).forEach(function (name) {
        var field = form.elements[name];
        var v = data[name];
        if (!field || name === "audience" || name === "category") return;
        if (Array.isArray(v)) v = v.join("\n");
        if (name === "county_code" && data.outside_albania) v = "outside";
        if (name === "child_in_danger") v = v ? "yes" : "no";
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

  window.addEventListener("online", function () { flush(true); });
  window.addEventListener("offline", function () { render(); });
  setInterval(flush, 30000);
  render().then(function () { return flush(true); });
})();
