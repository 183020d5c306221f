// Publishing: live character count of a feature body against the print limit.
// Counts as the server does: spaces and line breaks are not counted. No inline script needed.
(function () {
  "use strict";
  document.querySelectorAll("[data-count-for]").forEach(function (box) {
    var area = document.getElementById(box.getAttribute("data-count-for"));
    var out = box.querySelector("[data-count]");
    if (!area || !out) { return; }
    var limit = parseInt(area.getAttribute("data-char-limit") || "0", 10);
    var update = function () {
      var n = area.value.replace(/\s/g, "").length;
      out.textContent = String(n);
      out.classList.toggle("pub-count-over", limit > 0 && n > limit);
    };
    area.addEventListener("input", update);
    update();
  });
})();
