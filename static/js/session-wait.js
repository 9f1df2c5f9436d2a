// Progressive enhancement for a participant's session page: when the facilitator opens the
// next lesson or the quiz (or closes the session), reload so the phone shows it. Asks every
// 10 seconds while the page is visible; without JavaScript, reloading by hand does the same.
(function () {
  "use strict";
  var title = document.getElementById("session-title");
  if (!title || !title.dataset.stateUrl || !window.fetch) return;
  var known = title.dataset.state;
  setInterval(function () {
    if (document.hidden) return;
    fetch(title.dataset.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.state !== known) window.location.reload();
      })
      .catch(function () { /* the room's Wi-Fi dropped: try again at the next tick */ });
  }, 10000);
})();
