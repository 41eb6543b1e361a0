// Keeps the danger-now banner of a staff page current: every 25 seconds it asks how many
// danger-now reports wait (a number, nothing else), rewrites the banner and puts the number in
// front of the page title, so a new one is seen without reloading. Without JavaScript the
// banner is as fresh as the page.
(function () {
  "use strict";
  var box = document.getElementById("danger-watch");
  if (!box || !window.fetch) return;
  var EVERY = 25000;
  var MARK = "{count}";
  var title = document.title;
  function show(count) {
    var banner = document.getElementById("danger-banner");
    document.title = count > 0 ? "(" + count + ") " + title : title;
    if (count <= 0) {
      if (banner) banner.parentNode.removeChild(banner);
      return;
    }
    var text = box.getAttribute(count === 1 ? "data-text-one" : "data-text-other").replace(MARK, String(count));
    if (banner) {
      var strong = banner.querySelector("strong");
      if (strong.textContent !== text) strong.textContent = text;
      return;
    }
    banner = document.createElement("div");
    banner.className = "danger-banner";
    banner.id = "danger-banner";
    banner.setAttribute("role", "alert");
    var p = document.createElement("p");
    var sentence = document.createElement("strong");
    sentence.textContent = text;
    var link = document.createElement("a");
    link.href = box.getAttribute("data-list-url");
    link.textContent = box.getAttribute("data-list-label");
    p.appendChild(sentence);
    p.appendChild(document.createTextNode(" "));
    p.appendChild(link);
    banner.appendChild(p);
    box.appendChild(banner);
  }
  function ask() {
    window.fetch(box.getAttribute("data-count-url"), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      redirect: "error"
    }).then(function (response) {
      if (!response.ok) throw new Error("no count");
      return response.json();
    }).then(function (data) {
      if (typeof data.count === "number") show(data.count);
    }).catch(function () { /* signed out or offline: the banner stays as it was */ });
  }
  var banner = document.getElementById("danger-banner");
  if (banner) show(parseInt(box.getAttribute("data-count") || "0", 10) || 0);
  window.setInterval(ask, EVERY);
})();
