// Judging pages: progress bars, the running total of criteria and scores, confirmations, and
// keeping the scoring form in view. No inline script or style (CSP): data comes from data-
// attributes, sizes are set through the CSSOM. Every page works without this file.
(function () {
  "use strict";

  function number(text) {
    var value = String(text || "").trim().replace("，", ".").replace(",", ".");
    if (value === "" || !/^\d+(\.\d+)?$/.test(value)) { return null; }
    return parseFloat(value);
  }

  function show(value) {
    return (Math.round(value * 10) / 10).toString();
  }

  // Progress bars: <div class="progress-bar" data-percent="80">.
  document.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
    var value = Math.max(0, Math.min(100, parseInt(bar.getAttribute("data-percent"), 10) || 0));
    bar.style.width = value + "%";
  });

  // Long check lists scroll inside their box.
  document.querySelectorAll("[data-scroll-box]").forEach(function (box) {
    box.style.maxHeight = "60vh";
    box.style.overflowY = "auto";
  });

  // Buttons that ask first: data-confirm-click="question".
  document.querySelectorAll("[data-confirm-click]").forEach(function (button) {
    button.addEventListener("click", function (e) {
      if (!window.confirm(button.getAttribute("data-confirm-click"))) { e.preventDefault(); }
    });
  });

  // Round form: the sum of the criteria's maximum points. When the round judges categories
  // separately, a case is scored on the shared criteria and its category's: the total is the
  // shared sum plus the largest category's sum.
  var criteriaTable = document.querySelector("[data-criteria-total]");
  if (criteriaTable) {
    var criteriaOut = criteriaTable.querySelector("[data-role='criteria-total']");
    var byCategory = document.getElementById("id_by_category");
    var sumCriteria = function () {
      var shared = 0;
      var own = {};
      var separate = byCategory && byCategory.checked;
      criteriaTable.querySelectorAll("tr.criterion-row").forEach(function (row) {
        var removed = row.querySelector("input[type='checkbox'][name$='-DELETE']");
        var max = row.querySelector("[data-role='criterion-max']");
        var category = row.querySelector("select[name$='-category']");
        if (!max || (removed && removed.checked)) { return; }
        var points = number(max.value) || 0;
        if (separate && category && category.value) {
          own[category.value] = (own[category.value] || 0) + points;
        } else {
          shared += points;
        }
      });
      var most = 0;
      Object.keys(own).forEach(function (key) { most = Math.max(most, own[key]); });
      var total = shared + most;
      criteriaOut.textContent = show(total);
      criteriaOut.classList.toggle("text-warning-emphasis", total !== 100);
    };
    criteriaTable.addEventListener("input", sumCriteria);
    criteriaTable.addEventListener("change", sumCriteria);
    if (byCategory) { byCategory.addEventListener("change", sumCriteria); }
    sumCriteria();
  }

  // Scoring form: running total, live range check, Enter moves on, warn before leaving.
  var form = document.getElementById("review-form");
  if (form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.score-input"));
    var totalOut = form.querySelector("[data-role='review-total']");
    var invalidOut = form.querySelector("[data-role='review-invalid']");
    var dirty = false;
    var update = function () {
      var total = 0;
      var filled = 0;
      var invalid = 0;
      inputs.forEach(function (input) {
        var value = number(input.value);
        var max = parseFloat(input.getAttribute("data-points-max"));
        var bad = input.value.trim() !== "" && (value === null || value > max);
        input.classList.toggle("border-danger", bad);
        if (bad) { invalid += 1; }
        if (value !== null && !bad) { total += value; filled += 1; }
      });
      totalOut.textContent = filled ? show(total) : "—";
      // The total leaves out what is not a score, and says so.
      if (invalidOut) {
        invalidOut.hidden = invalid === 0;
        invalidOut.textContent = invalid ? invalidOut.getAttribute("data-message").replace("%(n)s", invalid) : "";
      }
    };
    inputs.forEach(function (input, i) {
      input.addEventListener("input", function () { dirty = true; update(); });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          e.preventDefault();
          var next = inputs[i + 1] || form.querySelector("textarea");
          if (next) { next.focus(); if (next.select) { next.select(); } }
        }
      });
    });
    form.querySelectorAll("textarea").forEach(function (area) {
      area.addEventListener("input", function () { dirty = true; });
    });
    form.addEventListener("submit", function () { dirty = false; });
    document.querySelectorAll("a[data-leave-check]").forEach(function (link) {
      link.addEventListener("click", function (e) {
        if (dirty && !window.confirm(form.getAttribute("data-leave-message"))) { e.preventDefault(); }
      });
    });
    update();
  }

  // Keep the scoring card within the window on wide screens (it is sticky beside the case).
  var card = document.querySelector("[data-fit-viewport]");
  if (card) {
    var fit = function () {
      if (window.innerWidth >= 992) {
        card.style.maxHeight = (window.innerHeight - 16) + "px";
        card.style.overflowY = "auto";
      } else {
        card.style.maxHeight = "";
        card.style.overflowY = "";
      }
    };
    window.addEventListener("resize", fit);
    fit();
  }
})();
