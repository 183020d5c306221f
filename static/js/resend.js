// The page of a form refused by the CSRF check (core/errors.py): "Send again" carries the
// browser's current CSRF cookie, so logging in again in another tab meanwhile (which renews the
// cookie) does not make the form fail a second time.
(function () {
  "use strict";
  var form = document.getElementById("resend-form");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var name = form.getAttribute("data-fresh-csrf") + "=";
    var cookies = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < cookies.length; i++) {
      if (cookies[i].indexOf(name) === 0) {
        var field = form.querySelector("input[name='csrfmiddlewaretoken']");
        if (field) { field.value = decodeURIComponent(cookies[i].substring(name.length)); }
      }
    }
  });
})();
