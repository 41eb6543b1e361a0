// The contact form, with JavaScript on: a running timer that fills the length until the operator
// types one, a type-to-filter box over the issues, municipalities narrowed to the chosen county.
// The form works without this file (the server times the contact from the signed moment the
// form was drawn to the moment it is sent).
(function () {
  "use strict";
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }

  function parse(text) {
    var parts = (text || "").trim().split(":");
    if (!parts[0] || parts.length > 3) return null;
    var n = parts.map(function (p) { return /^[0-9]{1,3}$/.test(p) ? parseInt(p, 10) : NaN; });
    if (n.some(isNaN)) return null;
    if (n.length === 1) return n[0] * 60;
    if (n.length === 2) return n[0] * 60 + n[1];
    return n[0] * 3600 + n[1] * 60 + n[2];
  }

  // --- the running timer -------------------------------------------------------------------
  function timer() {
    var box = $("#timer-box"), shown = $("#timer"), input = $('input[name="duration"]');
    if (!box || !shown || !input) return;
    var already = parse(input.value) || 0; // a form sent back with errors keeps counting
    var start = Date.now() - already * 1000;
    var typed = false;
    input.addEventListener("input", function () { typed = true; });
    function tick() {
      var seconds = Math.max(0, Math.floor((Date.now() - start) / 1000));
      shown.textContent = format(seconds);
      if (!typed && document.activeElement !== input) input.value = format(seconds);
    }
    box.hidden = false;
    tick();
    window.setInterval(tick, 1000);
  }

  // --- type to filter the issues -----------------------------------------------------------
  function fold(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function issueFilter() {
    var box = $("#issue-filter-box"), input = $("#issue-filter"), none = $("#issue-filter-none");
    if (!box || !input) return;
    box.hidden = false;
    var groups = $all(".issue-group").map(function (group) {
      var legend = fold($("legend", group).textContent);
      return {
        node: group,
        items: $all(".issue", group).map(function (item) {
          return { node: item, box: $("input", item), text: legend + " " + fold(item.textContent) };
        })
      };
    });
    function update() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var any = false;
      groups.forEach(function (group) {
        var visible = 0;
        group.items.forEach(function (item) {
          var match = item.box.checked || words.every(function (w) { return item.text.indexOf(w) !== -1; });
          item.node.hidden = !match;
          if (match) visible++;
        });
        group.node.hidden = visible === 0;
        if (visible) any = true;
      });
      if (none) none.hidden = any;
    }
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter here goes to the first match, it does not send the form
      var first = $all('.issue:not([hidden]) input[type="checkbox"]').filter(function (b) {
        return !b.closest(".issue-group").hidden;
      })[0];
      if (first) first.focus();
    });
  }

  // --- county -> municipalities ------------------------------------------------------------
  function countyFilter() {
    var county = $('select[name="county_code"]'), town = $('select[name="municipality_slug"]');
    if (!county || !town) return;
    var original = town.cloneNode(true);
    function update() {
      var code = county.value, keep = town.value;
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
    update();
  }

  function focusErrors() {
    var summary = $("#error-summary");
    if (summary) summary.focus();
  }

  timer();
  issueFilter();
  countyFilter();
  focusErrors();
})();
