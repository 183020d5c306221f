// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Character counters for textareas marked data-counter.
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.createElement("div");
    out.className = "form-text char-count";
    area.insertAdjacentElement("afterend", out);
    var update = function () { out.textContent = area.value.length + " / " + (area.getAttribute("maxlength") || "—"); };
    area.addEventListener("input", update);
    update();
  });
  // "Add a photo" clones the formset's empty row.
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById(prefix + "-empty");
      var target = document.getElementById(prefix + "-rows");
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, index);
      target.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
    });
  });
  // "Select all" checkbox for bulk actions.
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("input[name='" + box.getAttribute("data-check-all") + "']").forEach(function (c) { if (!c.disabled) { c.checked = box.checked; } });
    });
  });
  // Confirm dangerous actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) { if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); } });
  });
  // Prevent double submission: disable submit buttons once a form is sent.
  document.querySelectorAll("form[method='post']").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
