// The case form's photos and attachments, uploaded one by one as soon as they are chosen
// (docs/uploads.md). Each file goes in chunks to the chunk API (submissions/views/uploads.py)
// with a progress bar; a dropped connection is retried with a growing pause and goes on from
// the offset the server holds; the server's message for a refused file is shown at that file at
// once. The form then posts only its text and the ids of the staged files (the photo rows'
// hidden "photo" inputs, "staged_attachment" inputs), with the photos' order as positions.
// Without this script the form sends the files itself, as before. No inline script, texts come
// translated from the page (data-text-*).
(function () {
  "use strict";
  var root = document.getElementById("photo-uploader");
  var form = document.getElementById("case-form");
  if (!root || !form || !window.XMLHttpRequest || !window.Blob || !Blob.prototype.slice) { return; }

  var PREFIX = "photos";
  var rowsBox = document.getElementById(PREFIX + "-rows");
  var template = document.getElementById(PREFIX + "-empty");
  var total = document.getElementById("id_" + PREFIX + "-TOTAL_FORMS");
  var initialForms = document.getElementById("id_" + PREFIX + "-INITIAL_FORMS");
  var statusBox = root.querySelector("[data-role='status']");
  var csrf = form.querySelector("input[name='csrfmiddlewaretoken']").value;
  var createUrl = root.getAttribute("data-create-url");
  var callSlug = root.getAttribute("data-call");
  var caseId = root.getAttribute("data-case");
  var maxPhotos = parseInt(root.getAttribute("data-max-photos"), 10);
  var RETRY_PAUSES = [1, 2, 4, 8, 15, 30];  // seconds; then the person is asked
  var active = 0;  // uploads not yet finished or failed

  function text(name) { return root.getAttribute("data-text-" + name) || ""; }

  // ------------------------------------------------------------------ one upload

  function storageKey(file, kind, field) {
    return ["upload", callSlug, caseId, kind, field || "", file.name, file.size, file.lastModified].join("|");
  }
  function remembered(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function remember(key, value) {
    try {
      if (value) { window.localStorage.setItem(key, JSON.stringify(value)); } else { window.localStorage.removeItem(key); }
    } catch (e) { /* private mode: resuming after a closed browser is then not possible */ }
  }

  // Sends `file` and calls back: progress(fraction), state(name), done(json), refused(message).
  function Upload(file, kind, field, ui) {
    this.file = file; this.kind = kind; this.field = field; this.ui = ui;
    this.key = storageKey(file, kind, field);
    this.failures = 0; this.offset = 0; this.urls = null; this.timer = null; this.xhr = null;
    this.cancelled = false;
  }

  Upload.prototype.request = function (method, url, body, headers, onload, onprogress) {
    var self = this;
    var xhr = new XMLHttpRequest();
    self.xhr = xhr;
    xhr.open(method, url);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    Object.keys(headers || {}).forEach(function (h) { xhr.setRequestHeader(h, headers[h]); });
    if (onprogress && xhr.upload) { xhr.upload.onprogress = onprogress; }
    xhr.onload = function () {
      if (self.cancelled) { return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText || "null"); } catch (e) { data = null; }
      if (xhr.status >= 500) { self.retry(); return; }
      if (data === null && xhr.status !== 204) { self.refuse(text("session")); return; }
      onload(xhr.status, data || {});
    };
    xhr.onerror = xhr.ontimeout = xhr.onabort = function () { if (!self.cancelled) { self.retry(); } };
    xhr.send(body);
  };

  // One file travels at a time: on a weak network the first is then staged soonest, and a
  // phone's bandwidth is not split between files.
  var running = 0;
  var queue = [];
  var PARALLEL = 1;
  function next() {
    while (running < PARALLEL && queue.length) { running += 1; queue.shift().begin(); }
  }
  Upload.prototype.start = function () {
    this.ui.state("queued");
    queue.push(this);
    next();
  };
  Upload.prototype.release = function () {
    if (this.holding) { this.holding = false; running -= 1; next(); }
  };

  Upload.prototype.begin = function () {
    var self = this;
    self.holding = true;
    if (self.cancelled) { self.release(); return; }
    self.ui.state("uploading");
    var known = remembered(self.key);
    if (known) {  // chosen again after the browser was closed: go on where it stopped
      self.request("GET", known.url, null, {}, function (status, data) {
        if (status === 200) { self.urls = known; self.offset = data.offset; self.chunk = data.chunk; self.send(); } else { remember(self.key, null); self.create(); }
      });
      return;
    }
    self.create();
  };

  Upload.prototype.create = function () {
    var self = this;
    var body = new URLSearchParams();
    body.set("call", callSlug);
    if (caseId) { body.set("case", caseId); }
    body.set("kind", self.kind);
    if (self.field) { body.set("field", self.field); }
    body.set("name", self.file.name);
    body.set("size", String(self.file.size));
    self.request("POST", createUrl, body, { "Content-Type": "application/x-www-form-urlencoded" }, function (status, data) {
      if (status !== 201) { self.refuse(data.error || text("failed")); return; }
      self.urls = { url: data.url, finish_url: data.finish_url };
      self.chunk = data.chunk; self.offset = data.offset;
      remember(self.key, self.urls);
      self.send();
    });
  };

  Upload.prototype.send = function () {
    var self = this;
    if (self.offset >= self.file.size) { self.finish(); return; }
    var end = Math.min(self.file.size, self.offset + self.chunk);
    var start = self.offset;
    self.ui.state("uploading");
    self.request("PATCH", self.urls.url, self.file.slice(start, end), {
      "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream"
    }, function (status, data) {
      if (status === 200) {
        self.failures = 0; self.offset = data.offset; self.progress(); self.send();
      } else if (status === 404) {  // swept or removed: start again
        remember(self.key, null); self.offset = 0; self.create();
      } else if (typeof data.offset === "number" && (status === 409 || status === 400) && data.offset !== start) {
        self.offset = data.offset; self.progress();  // some bytes arrived, or another offset
        if (status === 400) { self.retry(); } else { self.send(); }
      } else if (status === 400 && typeof data.offset === "number") {
        self.retry();  // nothing of the chunk arrived
      } else {
        self.refuse(data.error || text("failed"));
      }
    }, function (e) {
      if (e.lengthComputable) { self.progress(start + e.loaded); }
    });
  };

  Upload.prototype.progress = function (at) {
    this.ui.progress(Math.min(1, (at === undefined ? this.offset : at) / Math.max(1, this.file.size)));
  };

  Upload.prototype.finish = function () {
    var self = this;
    self.ui.progress(1);
    self.ui.state("checking");
    self.request("POST", self.urls.finish_url, null, {}, function (status, data) {
      remember(self.key, null);
      self.release();
      if (status === 200) { self.ui.done(data); } else { self.refuse(data.error || text("failed")); }
    });
  };

  // A lost connection or a server restart: pause, ask the server how far it got, go on.
  Upload.prototype.retry = function () {
    var self = this;
    if (self.cancelled) { return; }
    if (self.failures >= RETRY_PAUSES.length) { self.release(); self.ui.state("failed"); return; }
    var pause = RETRY_PAUSES[self.failures];
    self.failures += 1;
    self.ui.state("waiting");
    window.clearTimeout(self.timer);
    self.timer = window.setTimeout(function () { self.resume(); }, pause * 1000);
  };

  Upload.prototype.resume = function () {
    var self = this;
    window.clearTimeout(self.timer);
    if (!self.holding) { self.holding = true; running += 1; }
    self.ui.state("uploading");
    if (!self.urls) { self.create(); return; }
    self.request("GET", self.urls.url, null, {}, function (status, data) {
      if (status === 200) { self.offset = data.offset; self.progress(); self.send(); } else if (status === 404) { remember(self.key, null); self.offset = 0; self.create(); } else { self.refuse(data.error || text("failed")); }
    });
  };

  Upload.prototype.refuse = function (message) {
    remember(this.key, null);
    this.release();
    this.ui.refused(message);
  };

  Upload.prototype.cancel = function () {
    this.cancelled = true;
    queue = queue.filter(function (u) { return u !== this; }, this);
    this.release();
    window.clearTimeout(this.timer);
    if (this.xhr) { try { this.xhr.abort(); } catch (e) { /* already done */ } }
    remember(this.key, null);
    if (this.urls) {
      var xhr = new XMLHttpRequest();
      xhr.open("DELETE", this.urls.url);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.send();
    }
  };

  var waiting = [];
  window.addEventListener("online", function () {
    waiting.slice().forEach(function (upload) { upload.failures = 0; upload.resume(); });
  });

  // The status line of one file: progress bar, what is happening, the error, "Try again".
  function statusLine(box, upload, finished) {
    var wrap = document.createElement("div");
    wrap.className = "upload-status small";
    var bar = document.createElement("div");
    bar.className = "progress mt-1";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-label", upload.file.name);
    var fill = document.createElement("div");
    fill.className = "progress-bar bg-danger";
    bar.appendChild(fill);
    var note = document.createElement("div");
    note.className = "text-muted";
    note.setAttribute("aria-live", "polite");
    var error = document.createElement("div");
    error.className = "invalid-feedback d-block upload-error";
    error.setAttribute("role", "alert");
    var again = document.createElement("button");
    again.type = "button";
    again.className = "btn btn-sm btn-outline-danger mt-1";
    again.textContent = text("retry");
    again.hidden = true;
    again.addEventListener("click", function () { upload.failures = 0; upload.resume(); });
    wrap.append(bar, note, again, error);
    box.appendChild(wrap);
    var counted = true;
    active += 1;
    function settle() {
      if (counted) { counted = false; active -= 1; }
      waiting = waiting.filter(function (u) { return u !== upload; });
      settled();
    }
    return {
      progress: function (fraction) {
        var percent = Math.round(fraction * 100);
        fill.style.width = percent + "%";  // CSSOM: allowed by the page's policy
        bar.setAttribute("aria-valuenow", String(percent));
      },
      state: function (name) {
        wrap.setAttribute("data-state", name);
        note.textContent = text(name === "waiting" ? "waiting" : name);
        again.hidden = name !== "failed";
        if (name === "failed") { error.textContent = text("failed"); waiting = waiting.filter(function (u) { return u !== upload; }); } else { error.textContent = ""; }
        if (name === "waiting") { waiting.push(upload); }
        if (name === "uploading" && !counted) { counted = true; active += 1; }
        if (name === "failed") { settle(); }
      },
      done: function (data) {
        wrap.setAttribute("data-state", "done");
        settle();
        bar.remove(); again.remove();
        note.textContent = text("done");
        finished(data);
      },
      refused: function (message) {
        wrap.setAttribute("data-state", "refused");
        settle();
        bar.remove(); again.remove();
        note.textContent = "";
        error.textContent = message;
        finished(null, message);
      },
      forget: settle
    };
  }

  // ------------------------------------------------------------------ photo rows

  function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll(".photo-row")); }
  function fileInput(row) { return row.querySelector("input[type='file']"); }
  function photoId(row) { return row.querySelector("input[name$='-photo']"); }

  // Rows are renamed to their place after one is taken out (the formset counts 0 … n-1).
  function rename() {
    rows().forEach(function (row, i) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(new RegExp(PREFIX + "-(\\d+|__prefix__)-"), PREFIX + "-" + i + "-")); }
        });
      });
    });
    total.value = String(rows().length);
    initialForms.value = "0";
    arrows();
  }
  function arrows() {
    var all = rows();
    all.forEach(function (row, i) {
      var up = row.querySelector("[data-move='-1']");
      var down = row.querySelector("[data-move='1']");
      if (up) { up.disabled = i === 0; }
      if (down) { down.disabled = i === all.length - 1; }
    });
  }
  // The order on screen becomes the posted positions (1, 2, 3 …) of the rows with a photo.
  function positions() {
    var n = 0;
    rows().forEach(function (row) {
      var used = (photoId(row) && photoId(row).value) || row.classList.contains("photo-uploading");
      var position = row.querySelector("input[name$='-position']");
      if (used && position) { n += 1; position.value = String(n); }
    });
    arrows();
  }

  function isBlank(row) {
    var input = fileInput(row);
    return !(photoId(row) && photoId(row).value) && !row.classList.contains("photo-uploading") &&
      !!input && !(input.files && input.files.length);
  }
  function keptPhotos() {
    return rows().filter(function (row) {
      var remove = row.querySelector("input[name$='-remove']");
      if (remove && remove.checked) { return false; }
      return (photoId(row) && photoId(row).value) || row.classList.contains("photo-uploading");
    }).length;
  }

  function move(row, step) {
    if (step < 0 && row.previousElementSibling) { rowsBox.insertBefore(row, row.previousElementSibling); }
    if (step > 0 && row.nextElementSibling) { rowsBox.insertBefore(row.nextElementSibling, row); }
    positions();
  }

  // Drag by the handle with pointer events (mouse, pen and touch alike).
  function draggable(row, handle) {
    handle.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      e.preventDefault();
      handle.setPointerCapture(e.pointerId);
      row.classList.add("photo-dragging");
      var lastY = e.clientY;
      function place(y) {
        var prev = row.previousElementSibling;
        var next = row.nextElementSibling;
        // The other row moves, never the dragged one: taking it out of the page would end
        // the pointer's capture.
        if (prev && y < prev.getBoundingClientRect().top + prev.offsetHeight / 2) {
          rowsBox.insertBefore(prev, row.nextSibling);
        } else if (next && y > next.getBoundingClientRect().top + next.offsetHeight / 2) {
          rowsBox.insertBefore(next, row);
        }
      }
      function over(ev) { lastY = ev.clientY; place(lastY); }
      // Held near the top or the bottom of the screen, the page scrolls (a phone shows only a
      // few rows at a time) and the row keeps moving.
      var EDGE = 60;
      var scroller = window.setInterval(function () {
        var step = lastY < EDGE ? -20 : (lastY > window.innerHeight - EDGE ? 20 : 0);
        if (step) { window.scrollBy({ top: step, behavior: "instant" }); place(lastY); }
      }, 40);
      function drop() {
        window.clearInterval(scroller);
        row.classList.remove("photo-dragging");
        document.removeEventListener("pointermove", over);
        document.removeEventListener("pointerup", drop);
        document.removeEventListener("pointercancel", drop);
        positions();
        handle.focus();
      }
      document.addEventListener("pointermove", over);
      document.addEventListener("pointerup", drop);
      document.addEventListener("pointercancel", drop);
    });
  }

  // The order controls of a row with a photo: a drag handle and, for the keyboard, up and down.
  function enhance(row) {
    if (row.querySelector(".photo-tools")) { return; }
    var tools = document.createElement("div");
    tools.className = "d-flex gap-1 mb-1 photo-tools";
    var handle = document.createElement("button");
    handle.type = "button";
    handle.className = "btn btn-sm btn-outline-secondary photo-handle";
    handle.textContent = "⠿";
    handle.title = text("drag");
    handle.setAttribute("aria-label", text("drag"));
    draggable(row, handle);
    tools.appendChild(handle);
    [["-1", "↑", "up"], ["1", "↓", "down"]].forEach(function (spec) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-sm btn-outline-secondary";
      b.setAttribute("data-move", spec[0]);
      b.textContent = spec[1];
      b.title = text(spec[2]);
      b.setAttribute("aria-label", text(spec[2]));
      b.addEventListener("click", function () { move(row, parseInt(spec[0], 10)); b.focus(); });
      tools.appendChild(b);
    });
    var cell = (row.querySelector("img.photo-thumb") || fileInput(row)).closest("[class*='col-']");
    cell.insertBefore(tools, cell.firstChild);
    arrows();
  }

  function newRow() {
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(rows().length));
    var row = holder.firstElementChild;
    rowsBox.appendChild(row);
    total.value = String(rows().length);
    return row;
  }

  // Upload the file chosen in a row. The file input keeps the file until the upload is staged
  // (then the form posts the photo's id instead); a file the server refuses stays in it, so
  // that saving shows the same refusal as without this script.
  function startPhoto(row, file) {
    var input = fileInput(row);
    var cell = input.closest("[class*='col-']");
    var old = cell.querySelector(".photo-upload");
    if (old) { old.remove(); }
    var label = cell.querySelector("label");
    [input, label].forEach(function (el) { if (el) { el.classList.add("d-none"); } });
    var box = document.createElement("div");
    box.className = "photo-upload";
    var img = document.createElement("img");
    img.className = "photo-thumb";
    img.alt = file.name;
    var name = document.createElement("div");
    name.className = "small text-muted text-truncate";
    name.textContent = file.name;
    box.append(img, name);
    cell.appendChild(box);
    if (/^image\/(jpeg|png|webp)$/.test(file.type) && file.size < 15 * 1024 * 1024) {
      var reader = new FileReader();
      reader.onload = function () { if (!img.getAttribute("src")) { img.src = reader.result; } };
      reader.readAsDataURL(file);  // data: URLs are allowed by the page's policy, blob: ones not
    } else {
      img.classList.add("d-none");
    }
    row.classList.add("photo-uploading");
    row.classList.remove("upload-refused");
    enhance(row);
    var upload = new Upload(file, "photo", null, null);
    var removeCell = row.querySelector("[class*='col-md-1']");
    var removeButton = document.createElement("button");
    removeButton.type = "button";
    removeButton.className = "btn btn-sm btn-link text-danger p-0";
    removeButton.textContent = text("remove");
    removeButton.addEventListener("click", function () {
      upload.cancel(); upload.ui.forget(); row.remove(); rename(); positions();
    });
    removeCell.replaceChildren(removeButton);
    upload.ui = statusLine(box, upload, function (data) {
      row.classList.remove("photo-uploading");
      if (data) {
        photoId(row).value = String(data.id);
        input.value = "";
        if (!img.getAttribute("src")) { img.src = data.thumb; img.classList.remove("d-none"); }
      } else {
        row.classList.add("upload-refused");
        img.classList.add("d-none");
        [input, label].forEach(function (el) { if (el) { el.classList.remove("d-none"); } });
      }
    });
    positions();
    upload.start();
  }

  function choose(input, file) {
    if (!window.DataTransfer) { return; }
    try {
      var dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
    } catch (e) { /* an old browser: the file then goes only through the upload */ }
  }

  function addPhotos(files) {
    statusBox.textContent = "";
    var skipped = [];
    Array.prototype.forEach.call(files, function (file) {
      if (keptPhotos() >= maxPhotos) { skipped.push(file.name); return; }
      var row = rows().filter(isBlank)[0] || newRow();
      choose(fileInput(row), file);
      startPhoto(row, file);
    });
    if (skipped.length) { statusBox.textContent = text("too-many") + " " + skipped.join("、"); }
  }

  // ------------------------------------------------------------------ attachments

  function attachmentInput(input) {
    var group = input.closest(".call-field-files");
    var field = group ? group.getAttribute("data-field") : "";
    var list = document.createElement("ul");
    list.className = "list-unstyled small mb-2 upload-list";
    input.insertAdjacentElement("afterend", list);
    var refused = [];
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      refused = [];
      files.forEach(function (file) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = file.name + " ";
        item.appendChild(name);
        list.appendChild(item);
        var upload = new Upload(file, "attachment", field, null);
        upload.ui = statusLine(item, upload, function (data) {
          if (data) {
            var hidden = document.createElement("input");
            hidden.type = "hidden"; hidden.name = "staged_attachment"; hidden.value = String(data.id);
            item.appendChild(hidden);
          } else {
            refused.push(file);
          }
          // Only the refused files stay in the input: saving then names them, as without
          // this script; the staged ones go by id.
          if (!window.DataTransfer) { return; }
          try {
            var dt = new DataTransfer();
            refused.forEach(function (f) { dt.items.add(f); });
            input.files = dt.files;
          } catch (e) { /* an old browser: the form sends the files itself as well */ }
        });
        upload.start();
      });
    });
  }

  // ------------------------------------------------------------------ the page

  var pendingSubmit = null;
  function settled() {
    if (active === 0 && pendingSubmit) {
      var submitter = pendingSubmit;
      pendingSubmit = null;
      statusBox.textContent = "";
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { submitter.click(); }
    }
  }

  root.hidden = false;
  rows().forEach(function (row) {
    if (photoId(row) && photoId(row).value) { enhance(row); }
  });
  rowsBox.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type='file']")) { return; }
    var row = input.closest(".photo-row");
    if (row && input.files && input.files.length) { startPhoto(row, input.files[0]); }
  });
  root.querySelectorAll("[data-role='pick'], [data-role='camera']").forEach(function (input) {
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      input.value = "";
      addPhotos(files);
    });
  });
  form.querySelectorAll("#attachment-uploads input[type='file'], .call-field-files input[type='file']").forEach(attachmentInput);
  // Capture phase: runs before the page's guard against a double submission. A save while
  // files are still uploading waits for them, then goes on by itself.
  form.addEventListener("submit", function (e) {
    if (active > 0) {
      e.preventDefault();
      e.stopImmediatePropagation();
      pendingSubmit = e.submitter || form.querySelector("button[name='save']");
      statusBox.textContent = text("busy");
    }
  }, true);
})();
