// Progress of a case import: polls the JSON at data-progress-url every second until the job
// is finished or failed, and updates the bar, the message, the errors and the result link.
// No inline script and no inline style attribute (CSP); texts come translated from the server.
(function () {
  "use strict";
  var root = document.getElementById("import-progress");
  if (!root) { return; }
  var url = root.getAttribute("data-progress-url");
  var progress = root.querySelector("[data-role='progress']");
  var bar = root.querySelector("[data-role='bar']");
  var statusBadge = root.querySelector("[data-role='status']");
  var message = root.querySelector("[data-role='message']");
  var errorsBox = root.querySelector("[data-role='errors-box']");
  var errorsList = root.querySelector("[data-role='errors']");
  var done = root.querySelector("[data-role='done']");
  var FINISHED = { done: true, failed: true };
  var failures = 0;

  function setPercent(percent) {
    var value = Math.max(0, Math.min(100, parseInt(percent, 10) || 0));
    bar.style.width = value + "%";  // CSSOM, allowed under a strict style-src
    bar.textContent = value + "%";
    progress.setAttribute("aria-valuenow", String(value));
  }

  function render(data) {
    setPercent(data.percent);
    statusBadge.textContent = data.status_display;
    message.textContent = data.message;
    var errors = data.errors || [];
    errorsList.replaceChildren();
    errors.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;  // never innerHTML: the texts quote the uploaded table
      errorsList.appendChild(item);
    });
    errorsBox.classList.toggle("d-none", errors.length === 0);
    done.classList.toggle("d-none", data.status !== "done");
    if (FINISHED[data.status]) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.add(data.status === "done" ? "bg-success" : "bg-danger");
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
        if (!FINISHED[data.status]) { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        // A restart or a lost connection: keep trying, more slowly, for a while.
        failures += 1;
        if (failures < 60) { window.setTimeout(poll, Math.min(1000 * failures, 10000)); }
      });
  }

  setPercent(root.getAttribute("data-percent"));
  if (!FINISHED[root.getAttribute("data-status")]) { window.setTimeout(poll, 1000); }
})();
