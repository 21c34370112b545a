// Staff app: show only the fields of the chosen inbox decision, and follow a training run.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function showDecision(form) {
    var chosen = form.querySelector('input[name="decision"]:checked');
    form.querySelectorAll(".when").forEach(function (block) {
      block.classList.toggle("shown", !!chosen && block.dataset.when === chosen.value);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.decide").forEach(function (form) {
      form.addEventListener("change", function () { showDecision(form); });
      showDecision(form);
    });

    var box = document.getElementById("training");
    if (!box) return;
    var running = ["queued", "training", "scoring"];
    var labels = {
      queued: "đang chờ", training: "đang huấn luyện", scoring: "đang chấm điểm",
      accepted: "đã dùng mô hình mới", rejected: "không dùng (kém hơn)",
      failed: "lỗi", interrupted: "bị dừng giữa chừng"
    };

    function set(field, value) {
      var node = box.querySelector('[data-field="' + field + '"]');
      if (!node) return;
      if (field === "progress") { node.value = value; node.textContent = Math.round(value * 100) + "%"; }
      else { node.textContent = value; }
    }

    function poll() {
      fetch(box.dataset.api, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.run) return;
          var run = data.run;
          if (!box.querySelector('[data-field="id"]')) { window.location.reload(); return; }
          set("id", run.id);
          set("status", labels[run.status] || run.status);
          var status = box.querySelector('[data-field="status"]');
          if (status) status.className = "status status-" + run.status;
          set("stage", run.stage);
          set("progress", run.progress);
          set("reason", run.reason);
          if (running.indexOf(run.status) >= 0) { setTimeout(poll, 2000); }
          else if (box.dataset.wasRunning) { window.location.reload(); }
          if (running.indexOf(run.status) >= 0) box.dataset.wasRunning = "1";
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  });
})();
