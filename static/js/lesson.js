// Progressive enhancement: mark a lesson done when its end has been read. Without
// JavaScript the "Done" button at the end does the same.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-end");
  if (!form || form.dataset.autodone !== "true" || !("IntersectionObserver" in window)) return;
  var sent = false;
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting || sent) return;
      sent = true;
      observer.disconnect();
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).catch(function () { sent = false; });
    });
  }, { threshold: 1.0 });
  observer.observe(form);
})();
