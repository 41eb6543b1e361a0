// Report pages, with JavaScript on: show the danger box at once, check answers inline, keep what
// is typed in this tab (sessionStorage) until the report is sent, filter municipalities by county.
// Every page works without this file. Texts come from the page (data-msg-*), already translated.
(function () {
  "use strict";
  var PREFIX = "isigurt:draft:";
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function clearDrafts() {
    if (!store) return;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) store.removeItem(key);
    }
  }

  // --- "Is a child in danger right now?" -----------------------------------------------
  function dangerToggle() {
    var box = $("#danger-now");
    // Only the question's own radios: step 2 carries the answer in a hidden input, and there
    // the box must stay as the server drew it.
    var radios = $all('input[type="radio"][name="child_in_danger"]');
    if (!box || !radios.length) return;
    function update() {
      // "Not sure" shows the numbers too.
      var yes = radios.some(function (r) { return r.checked && (r.value === "yes" || r.value === "not_sure"); });
      box.hidden = !yes;
      if (yes) box.setAttribute("role", "alert"); else box.removeAttribute("role");
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  // --- county → municipalities ----------------------------------------------------------
  function countyFilter(root) {
    var county = $('select[name="county_code"]', root);
    var town = $('select[name="municipality_slug"]', root);
    if (!county || !town) return;
    var original = town.cloneNode(true);
    function update() {
      var code = county.value;
      var keep = town.value;
      town.innerHTML = "";
      $all("option, optgroup", original).forEach(function (node) {
        if (node.parentNode !== original) return;
        if (node.tagName === "OPTION") { town.appendChild(node.cloneNode(true)); return; }
        var options = $all("option", node).filter(function (o) { return !code || o.getAttribute("data-county") === code; });
        if (!options.length) return;
        if (!code) { town.appendChild(node.cloneNode(true)); return; }
        options.forEach(function (o) { town.appendChild(o.cloneNode(true)); });
      });
      town.value = keep;
      if (town.value !== keep) town.value = "";
      town.disabled = code === "outside";
    }
    county.addEventListener("change", update);
    // A municipality chosen first fills in its county.
    town.addEventListener("change", function () {
      var option = town.options[town.selectedIndex];
      var code = option ? option.getAttribute("data-county") : "";
      if (code && county.value !== code) {
        county.value = code;
        update();
        county.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    update();
  }

  // --- characters as a person counts them -------------------------------------------------
  // An emoji (with its skin tone, a family joined by ZWJ, a flag) or a letter with its accents
  // is one character, as the server counts it (grapheme clusters).
  var segmenter = null;
  try { segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null; } catch (e) { segmenter = null; }
  var JOINS = /^(?:[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f\u200d]|\ud83c[\udffb-\udfff]|\udb40[\udc20-\udc7f])$/;
  function characters(text) {
    if (segmenter) {
      var n = 0;
      var it = segmenter.segment(text)[Symbol.iterator]();
      while (!it.next().done) n++;
      return n;
    }
    // Without Intl.Segmenter: marks, variation selectors, skin tones and tags join the character
    // before them, a ZWJ joins the next one too, and two regional indicators make one flag.
    var count = 0, joinNext = false, flagOpen = false;
    Array.from(text).forEach(function (ch) {
      var regional = /\ud83c[\udde6-\uddff]/.test(ch);
      if (ch === "\u200d") { joinNext = true; return; }
      if (JOINS.test(ch)) return;
      if (joinNext) { joinNext = false; return; }
      if (regional && flagOpen) { flagOpen = false; return; }
      flagOpen = regional;
      count++;
    });
    return count;
  }

  function fill(template, count, limit) {
    return (template || "").replace("{count}", String(count)).replace("{limit}", String(limit)).replace("{over}", String(count - limit));
  }

  // A counter under each text with a limit: shown near the limit; a screen reader hears it only
  // when the writer pauses, never on every key. Nothing is ever cut.
  function counters(form) {
    $all("textarea[data-max-chars]", form).forEach(function (area) {
      var limit = parseInt(area.getAttribute("data-max-chars"), 10);
      if (!limit) return;
      var shown = document.createElement("p");
      shown.className = "hint counter";
      shown.id = area.id + "_counter";
      shown.setAttribute("aria-hidden", "true");
      var spoken = document.createElement("p");
      spoken.className = "visually-hidden";
      spoken.id = area.id + "_counter_live";
      spoken.setAttribute("aria-live", "polite");
      area.parentNode.insertBefore(spoken, area.nextSibling);
      area.parentNode.insertBefore(shown, area.nextSibling);
      var timer = null;
      var said = "";
      function text(count) {
        return count > limit ? fill(form.getAttribute("data-msg-over"), count, limit) : fill(form.getAttribute("data-msg-counter"), count, limit);
      }
      function update() {
        var count = characters(area.value);
        var near = count >= Math.floor(limit * 0.8);
        shown.hidden = !near;
        shown.textContent = near ? text(count) : "";
        shown.classList.toggle("over", count > limit);
        if (timer) clearTimeout(timer);
        timer = setTimeout(function () {
          var now = near ? text(count) : "";
          if (now !== said) { spoken.textContent = now; said = now; }
        }, 1500);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  // --- contact: show the contact box only when the reporter wants an answer -------------
  function contactToggle(root) {
    var methods = $all('input[name="contact_method"]', root);
    var value = $('input[name="contact_value"]', root);
    if (!methods.length || !value) return;
    var boxes = [value.closest(".field"), ($('input[name="contact_consent"]', root) || value).closest(".field")];
    function update() {
      var chosen = methods.filter(function (m) { return m.checked; })[0];
      var method = chosen ? chosen.value : "anonymous";
      boxes.forEach(function (box) { if (box) box.hidden = method === "anonymous"; });
      value.type = method === "email" ? "email" : method === "phone" ? "tel" : "text";
      value.setAttribute("autocomplete", method === "email" ? "email" : method === "phone" ? "tel" : "off");
    }
    methods.forEach(function (m) { m.addEventListener("change", update); });
    update();
  }

  // --- keep what is typed ---------------------------------------------------------------
  function fieldsOf(form) {
    return $all("input, select, textarea", form).filter(function (el) {
      return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "password" &&
        el.type !== "submit" && el.type !== "button";
    });
  }

  // Boxes that share a name (what happened, in step 1) are kept one by one.
  function saveKey(form, el) {
    if (el.type !== "checkbox") return el.name;
    var same = $all('input[type="checkbox"]', form).filter(function (b) { return b.name === el.name; });
    return same.length > 1 ? el.name + "=" + el.value : el.name;
  }

  function autosave(form) {
    if (!store) return;
    var key = PREFIX + form.getAttribute("data-autosave");
    function save() {
      var data = {};
      fieldsOf(form).forEach(function (el) {
        if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
        else if (el.type === "checkbox") data[saveKey(form, el)] = el.checked;
        else data[el.name] = el.value;
      });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or blocked */ }
    }
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    // A page the server sent back with errors already holds every value that was posted.
    var bound = !!$(".errorlist", form) || !!$(".error-summary:not([hidden])");
    if (saved && !bound) {
      fieldsOf(form).forEach(function (el) {
        var name = saveKey(form, el);
        if (!(name in saved)) return;
        var v = saved[name];
        if (el.type === "radio") el.checked = el.value === v;
        else if (el.type === "checkbox") el.checked = v === true;
        else el.value = v;
        el.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    save();
  }

  // --- inline checks --------------------------------------------------------------------
  function msg(form, name) { return form.getAttribute("data-msg-" + name) || form.getAttribute("data-msg-invalid") || ""; }
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  // As validation.callback_phone: 0…, 6x xxx xxxx, + or 00; 8 to 15 digits, not all alike.
  function phoneOk(v) {
    v = v.trim();
    var c = v.replace(/[ ()./\-]/g, ""), d = c.replace(/\D/g, "");
    if (!/^\+?[0-9 ()./\-]+$/.test(v) || v.length > 32 || d.length > 15) return false;
    if (!/^(?:\+[1-9]|00[1-9]|0[2-9]|6[0-9])/.test(c)) return false;
    if (c.indexOf("00") === 0) d = d.slice(2);
    if (c.charAt(0) === "6" && d.length !== 9) return false;
    return d.length >= 8 && d.split("").filter(function (x, i, a) { return a.indexOf(x) === i; }).length > 2;
  }

  function problemFor(form, el) {
    var box = el.closest(".field");
    if (box && box.hidden) return "";
    var name = el.name;
    var method = ($('input[name="contact_method"]:checked', form) || {}).value || "anonymous";
    if (name === "contact_value" && method !== "anonymous") {
      var v = el.value.trim();
      if (method === "email" && !EMAIL.test(v)) return msg(form, "email");
      if (method === "phone" && !phoneOk(v)) return msg(form, "phone");
    }
    if (name === "contact_consent" && method !== "anonymous" && !el.checked) return msg(form, "consent");
    var limit = parseInt(el.getAttribute("data-max-chars") || "0", 10);
    if (limit && characters(el.value) > limit) return fill(msg(form, "over"), characters(el.value), limit);
    if (el.type === "file") {
      var max = parseInt(el.getAttribute("data-max-files") || "0", 10);
      if (max && el.files && el.files.length > max) return msg(form, "files");
      return "";
    }
    if (el.validity && !el.validity.valid) {
      if (el.validity.tooLong) return msg(form, "toolong");
      if (el.type === "date") return msg(form, "date");
      if (el.validity.typeMismatch && el.type === "email") return msg(form, "email");
      return msg(form, "invalid");
    }
    return "";
  }

  // With ``set`` (a question answered by ticking boxes) the message belongs to the question,
  // after its legend and hint, as the server puts it: never inside one of the answers.
  function showProblem(el, text, set) {
    var box = el.closest(".field") || el.parentNode;
    var radio = el.type === "radio";
    var target = set || (radio ? (el.closest("fieldset") || el) : el);
    var id = (set || radio ? el.name && ("id_" + el.name) : el.id) + "_error";
    var list = document.getElementById(id);
    var described = (target.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
    if (!text) {
      if (list) list.parentNode.removeChild(list);
      if (!set && !radio) el.removeAttribute("aria-invalid");
      if (described.length) target.setAttribute("aria-describedby", described.join(" ")); else target.removeAttribute("aria-describedby");
      return;
    }
    if (!list) {
      list = document.createElement("ul");
      list.className = "errorlist";
      list.id = id;
      var anchor = set ? $all(":scope > legend, :scope > p.hint", set).pop() : radio ? target.querySelector("legend") : box.querySelector(".hint") || box.querySelector("label");
      if (anchor && anchor.parentNode) anchor.parentNode.insertBefore(list, anchor.nextSibling);
      else (set || box).insertBefore(list, (set || box).firstChild);
    }
    list.innerHTML = "";
    var li = document.createElement("li");
    li.textContent = text;
    list.appendChild(li);
    if (!set && !radio) el.setAttribute("aria-invalid", "true");
    described.push(id);
    target.setAttribute("aria-describedby", described.join(" "));
  }

  function legendText(set) {
    var legend = set.querySelector("legend");
    return legend ? legend.textContent.trim() : "";
  }

  function labelText(el) {
    if (el.type === "radio") {
      var legend = el.closest("fieldset") && el.closest("fieldset").querySelector("legend");
      return legend ? legend.textContent.trim() : "";
    }
    var label = el.id && document.querySelector('label[for="' + el.id + '"]');
    return label ? label.textContent.trim() : "";
  }

  // "County:" but "When did it happen?" and never "Links::".
  function summaryLine(label, text) {
    if (!label) return text;
    label = label.replace(/:+$/, "");
    return (/[?!.…]$/.test(label) ? label : label + ":") + " " + text;
  }

  function validate(form) {
    var seen = {};
    var problems = [];
    // A group where at least one box must be ticked (what happened, in step 1).
    $all("fieldset[data-choose-one]", form).forEach(function (set) {
      var boxes = $all('input[type="checkbox"]', set);
      if (!boxes.length) return;
      var text = boxes.some(function (b) { return b.checked; }) ? "" : msg(form, "categories");
      showProblem(boxes[0], text, set);
      if (text) problems.push([boxes[0], text, set.getAttribute("data-summary-label") || legendText(set)]);
      boxes.forEach(function (b) { seen["box:" + b.name] = true; });
    });
    $all("input, select, textarea", form).forEach(function (el) {
      if (!el.name || el.type === "hidden" || el.disabled) return;
      if (el.type === "checkbox" && seen["box:" + el.name]) return;
      if (el.type === "radio") {
        if (seen[el.name]) return;
        seen[el.name] = true;
        var group = $all('input[type="radio"]', form).filter(function (r) { return r.name === el.name; });
        var missing = el.required && !group.some(function (r) { return r.checked; });
        var text = missing ? msg(form, "invalid") : "";
        showProblem(group[0], text);
        if (text) problems.push([group[0], text]);
        return;
      }
      var problem = problemFor(form, el);
      showProblem(el, problem);
      if (problem) problems.push([el, problem]);
    });
    var summary = $("#error-summary");
    if (summary) {
      var list = $("ul", summary);
      list.innerHTML = "";
      problems.forEach(function (p) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#" + p[0].id;
        var label = p.length > 2 ? p[2] : labelText(p[0]);
        a.textContent = summaryLine(label, p[1]);
        li.appendChild(a);
        list.appendChild(li);
      });
      summary.hidden = problems.length === 0;
      if (problems.length) summary.focus();
    } else if (problems.length) {
      problems[0][0].focus();
    }
    return problems.length === 0;
  }

  function inlineChecks(form) {
    form.noValidate = true;
    form.addEventListener("submit", function (event) {
      if (!validate(form)) event.preventDefault();
    });
    // Answers are checked when sent; a message already shown follows each correction at
    // once. (Nothing new appears on blur: moving the page under a finger loses taps.)
    form.addEventListener("input", function (event) {
      var el = event.target;
      if (el.name && el.type !== "radio" && el.getAttribute("aria-invalid")) {
        showProblem(el, problemFor(form, el));
      }
      var set = el.type === "checkbox" && el.closest("fieldset[data-choose-one]");
      if (set && el.checked && document.getElementById("id_" + el.name + "_error")) {
        showProblem(el, "", set);
      }
    });
  }

  // --- history: a step takes the place of the one before -------------------------------------
  // Back must not walk through the report's steps: after quick exit, a step left in the history
  // would show that a report was being written, and about what. The form is sent in the
  // background and its page replaced by the next step; if that fails it is sent as usual.
  function replaceStep(form) {
    if (!form.hasAttribute("data-replace-step") || !window.fetch || !window.FormData) return;
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return; // the inline checks found a problem
      event.preventDefault();
      var data = new FormData(form);
      var next;
      if ((form.getAttribute("method") || "get").toLowerCase() === "get") {
        next = Promise.resolve(form.action.split("?")[0] + "?" + new URLSearchParams(data).toString());
      } else {
        // The server's redirect means "accepted": go to the next step (named by the form)
        // without downloading it twice. Any other answer: send the form as usual.
        next = window.fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin", redirect: "manual"
        }).then(function (response) {
          var url = form.getAttribute("data-replace-step");
          if (response.type === "opaqueredirect" && url) return url;
          throw new Error("the server answered with the same step");
        });
      }
      next.then(function (url) { window.location.replace(url); },
        function () { HTMLFormElement.prototype.submit.call(form); });
    });
  }

  // --- back-forward cache -----------------------------------------------------------------------
  // A page holding answers or a conversation is never shown again from the browser's memory: it
  // is hidden as it goes there, and asked again from the server when Back brings it back (after
  // quick exit the server has forgotten it, and this tab's drafts are gone, so it comes empty).
  function forgetOnReturn() {
    if (!$("form[data-autosave], [data-private]")) return;
    window.addEventListener("pagehide", function (event) {
      if (event.persisted) document.body.style.display = "none";
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      document.body.style.display = "none";
      $all("form").forEach(function (form) { form.reset(); });
      window.location.reload();
    });
  }

  window.isigurtReportForm = { validate: validate, countyFilter: countyFilter, contactToggle: contactToggle, clearDrafts: clearDrafts };

  function start() {
    if ($("[data-clear-drafts]")) clearDrafts();
    var exit = document.getElementById("quick-exit");
    if (exit) exit.addEventListener("click", clearDrafts);
    dangerToggle();
    forgetOnReturn();
    $all("form").forEach(function (form) {
      countyFilter(form);
      contactToggle(form);
      counters(form);
      if (form.hasAttribute("data-validate")) inlineChecks(form);
      if (form.hasAttribute("data-autosave")) autosave(form);
      replaceStep(form);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
