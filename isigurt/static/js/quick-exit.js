// Quick exit: forget the drafts kept in this tab, end the report and the opened report on the
// server, leave at once, and replace this page in the history, so Back does not return here and
// nothing typed can be read again. Without JavaScript the link itself goes through the server's
// exit (data-end-url), which does the same.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var target = link.getAttribute("data-exit-url");
  var end = link.getAttribute("data-end-url");
  var PREFIX = "isigurt:"; // report.js keeps drafts under "isigurt:draft:…"
  function forgetDrafts() {
    try {
      var store = window.sessionStorage;
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key && key.indexOf(PREFIX) === 0) store.removeItem(key);
      }
    } catch (e) { /* storage blocked: nothing was kept */ }
  }
  // Empty this page's forms too, in case the browser keeps the page in memory.
  function forgetTyped() {
    Array.prototype.forEach.call(document.forms, function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.type === "radio" || el.type === "checkbox") el.checked = false;
        else if (el.type !== "hidden" && el.type !== "submit" && el.type !== "button") el.value = "";
      });
    });
  }
  // Sent while the page goes (a beacon outlives it); leaving never waits for the answer.
  function endOnServer() {
    if (!end) return true;
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(end)) return true;
      if (window.fetch) {
        window.fetch(end, { method: "POST", keepalive: true, credentials: "same-origin" });
        return true;
      }
    } catch (e) { /* fall through to the link itself */ }
    return false;
  }
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.display = "none";
    forgetDrafts();
    forgetTyped();
    // Without a beacon, go through the server's exit itself (it sends on to the neutral site).
    window.location.replace(endOnServer() ? target : end);
  }
  link.addEventListener("click", leave);
  // Signed-in staff keep Esc for their forms (the button still works for them).
  if (link.getAttribute("data-escape-key") === "off") return;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) leave(event);
  });
})();
