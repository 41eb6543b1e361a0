// Quick exit: leave at once and replace this page in the history, so Back does not return here.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var target = link.getAttribute("data-exit-url");
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.display = "none";
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) leave(event);
  });
})();
