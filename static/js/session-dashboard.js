// Progressive enhancement for a session's dashboard: fetch its live part every few seconds
// (only while the tab is visible) and swap it in. Without JavaScript, reloading the page
// shows the same figures.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) return;
  var url = live.dataset.live;
  var busy = false;
  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) { live.innerHTML = html; })
      .catch(function () { /* keep the last figures; try again at the next tick */ })
      .then(function () { busy = false; });
  }
  setInterval(refresh, 5000);
})();
