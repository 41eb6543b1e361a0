// Quick exit: forget the drafts kept in this tab, leave at once, and replace this page in the
// history, so Back does not return here and nothing typed can be read again.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var target = link.getAttribute("data-exit-url");
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
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.display = "none";
    forgetDrafts();
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) leave(event);
  });
})();
