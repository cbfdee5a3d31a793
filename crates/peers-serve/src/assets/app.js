// Live updates: the server announces changes over server-sent events; the page fetches itself
// again and swaps its <main>. Without JavaScript every page is still complete (reload to refresh).
(function () {
  var source = document.body.getAttribute("data-live");
  if (!source || !window.EventSource || !window.fetch) return;
  var state = document.getElementById("live-state");
  var events = new EventSource(source);
  var updates = 0;
  events.addEventListener("open", function () { if (state) state.textContent = "live"; });
  events.addEventListener("error", function () { if (state) state.textContent = "reconnecting…"; });
  events.addEventListener("update", function () {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").querySelector("main");
        var current = document.querySelector("main");
        if (fresh && current) current.replaceWith(fresh);
        updates += 1;
        document.body.setAttribute("data-updates", String(updates));
        if (state) state.textContent = "live · updated " + new Date().toLocaleTimeString();
      });
  });
})();
