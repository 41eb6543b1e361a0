// The intake queue, with JavaScript on: a refused filter takes the focus, and the municipalities
// shown are those of the chosen county. The form works the same without this file (the server
// refuses a municipality outside the chosen county with a message).
(function () {
  "use strict";
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function countyFilter() {
    var county = $('#queue-filters select[name="county"]'), town = $('#queue-filters select[name="municipality"]');
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
    // A municipality outside the chosen county stays visible until the person corrects it.
    if (!$("#error-summary")) update();
  }

  function focusErrors() {
    var summary = $("#error-summary");
    if (summary) summary.focus();
  }

  countyFilter();
  focusErrors();
})();
