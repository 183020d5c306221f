// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Character limits: a field with data-max="N" shows "n / N" below it, turns red and is
  // marked aria-invalid past N, and its form is not sent while a field is over (the message
  // comes from data-max-message). Counts characters as the server does (code points; the
  // browser already sends line breaks as one character each).
  var overLimit = function (field) {
    return Array.from(field.value).length > parseInt(field.getAttribute("data-max"), 10);
  };
  document.querySelectorAll("textarea[data-max], input[data-max]").forEach(function (field, i) {
    var max = parseInt(field.getAttribute("data-max"), 10);
    if (!(max > 0)) { return; }
    var out = document.createElement("div");
    out.className = "form-text char-count";
    out.id = (field.id || "field-" + i) + "-count";
    out.setAttribute("aria-live", "polite");
    var message = document.createElement("div");
    message.className = "invalid-feedback char-over";
    message.textContent = field.getAttribute("data-max-message") || "";
    field.insertAdjacentElement("afterend", out);
    out.insertAdjacentElement("afterend", message);
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    field.setAttribute("aria-describedby", described.concat([out.id]).join(" "));
    var update = function () {
      var over = overLimit(field);
      out.textContent = Array.from(field.value).length + " / " + max;
      out.classList.toggle("text-danger", over);
      out.classList.toggle("fw-semibold", over);
      // Marks set by the server (another error of the field) stay until the form is sent.
      if (over) {
        field.classList.add("is-invalid");
        field.setAttribute("aria-invalid", "true");
        field.dataset.overMarked = "1";
      } else if (field.dataset.overMarked) {
        field.classList.remove("is-invalid");
        field.removeAttribute("aria-invalid");
        delete field.dataset.overMarked;
      }
      message.classList.toggle("d-block", over && message.textContent !== "");
    };
    field.addEventListener("input", update);
    update();
    if (field.form) {
      field.form.addEventListener("submit", function (e) {
        if (overLimit(field)) {
          e.preventDefault();
          update();
          field.focus();
        }
      });
    }
  });
  // A table that scrolls sideways (a phone) can be scrolled from the keyboard too.
  document.querySelectorAll(".table-responsive").forEach(function (box) {
    var focusable = box.querySelector("a[href], button, input, select, textarea, [tabindex]");
    if (box.scrollWidth > box.clientWidth && !focusable) { box.tabIndex = 0; }
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
  // A table wider than the screen scrolls sideways in its .table-responsive: keyboard users
  // reach that scroll only when the region can take the focus (a table of read-only rows
  // holds nothing else focusable).
  var scrollables = function () {
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth) {
        region.setAttribute("tabindex", "0");
      } else if (region.getAttribute("tabindex") === "0") {
        region.removeAttribute("tabindex");
      }
    });
  };
  scrollables();
  window.addEventListener("resize", scrollables);
  // Share block: a readonly link selects itself on focus; the copy button (hidden without
  // script: selecting the link and copying works everywhere) copies it.
  document.querySelectorAll("input[data-select-all]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }, function () { target.focus(); target.select(); });
    });
  });
})();
