// Progressive enhancement for the quiz page: answers are saved as the learner goes, and a
// countdown shows the time left. Without JavaScript the form's buttons do the same work;
// the server enforces the time limit either way.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) return;
  var status = form.querySelector(".autosave-status");
  var timer = null;
  var lang = document.documentElement.lang;
  var words = lang === "vi"
    ? { saved: "Đã lưu câu trả lời lúc ", failed: "Chưa lưu được câu trả lời. Hãy kiểm tra kết nối." }
    : { saved: "Answers saved at ", failed: "Your answers could not be saved. Check your connection." };

  function save() {
    fetch(form.dataset.autosave, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      var now = new Date();
      status.textContent = words.saved + now.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    }).catch(function () {
      status.textContent = words.failed;
    });
  }

  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });

  var deadline = document.getElementById("deadline");
  if (!deadline) return;
  var countdown = deadline.querySelector(".countdown");
  // Measure against the server's clock, not the phone's.
  var skew = Date.parse(deadline.dataset.now) - Date.now();
  var end = Date.parse(deadline.dataset.deadline);
  function tick() {
    var left = Math.max(0, Math.round((end - (Date.now() + skew)) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = String(left % 60).padStart(2, "0");
    countdown.textContent = "(" + minutes + ":" + seconds + ")";
    if (left === 0) {
      clearInterval(interval);
      form.submit();
    }
  }
  var interval = setInterval(tick, 1000);
  tick();
})();
