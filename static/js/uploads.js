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

  Upload.prototype.start = function () {
    var self = this;
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
      if (status === 200) { self.ui.done(data); } else { self.refuse(data.error || text("failed")); }
    });
  };

  // A lost connection or a server restart: pause, ask the server how far it got, go on.
  Upload.prototype.retry = function () {
    var self = this;
    if (self.cancelled) { return; }
    if (self.failures >= RETRY_PAUSES.length) { self.ui.state("failed"); return; }
    var pause = RETRY_PAUSES[self.failures];
    self.failures += 1;
    self.ui.state("waiting");
    window.clearTimeout(self.timer);
    self.timer = window.setTimeout(function () { self.resume(); }, pause * 1000);
  };

  Upload.prototype.resume = function () {
    var self = this;
    window.clearTimeout(self.timer);
    self.ui.state("uploading");
    if (!self.urls) { self.create(); return; }
    self.request("GET", self.urls.url, null, {}, function (status, data) {
      if (status === 200) { self.offset = data.offset; self.progress(); self.send(); } else if (status === 404) { remember(self.key, null); self.offset = 0; self.create(); } else { self.refuse(data.error || text("failed")); }
    });
  };

  Upload.prototype.refuse = function (message) {
    remember(this.key, null);
    this.ui.refused(message);
  };

  Upload.prototype.cancel = function () {
    this.cancelled = true;
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
    }
    return {
      progress: function (fraction) {
        var percent = Math.round(fraction * 100);
        fill.style.width = percent + "%";  // CSSOM: allowed by the page's policy
        bar.setAttribute("aria-valuenow", String(percent));
      },
      state: function (name) {
        note.textContent = text(name === "waiting" ? "waiting" : name);
        again.hidden = name !== "failed";
        if (name === "failed") { error.textContent = text("failed"); waiting = waiting.filter(function (u) { return u !== upload; }); } else { error.textContent = ""; }
        if (name === "waiting") { waiting.push(upload); }
        if (name === "uploading" && !counted) { counted = true; active += 1; }
        if (name === "failed") { settle(); }
      },
      done: function (data) {
        settle();
        bar.remove(); again.remove();
        note.textContent = text("done");
        finished(data);
      },
      refused: function (message) {
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

  // Every row's inputs are renamed to its place, the positions follow the order on screen.
  function renumber() {
    rows().forEach(function (row, i) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(new RegExp(PREFIX + "-(\\d+|__prefix__)-"), PREFIX + "-" + i + "-")); }
        });
      });
      var position = row.querySelector("input[name$='-position']");
      if (position) { position.value = String(i + 1); }
      var up = row.querySelector("[data-move='-1']");
      var down = row.querySelector("[data-move='1']");
      if (up) { up.disabled = i === 0; }
      if (down) { down.disabled = i === rows().length - 1; }
    });
    total.value = String(rows().length);
    initialForms.value = "0";
  }

  function keptPhotos() {
    return rows().filter(function (row) {
      var remove = row.querySelector("input[name$='-remove']");
      return !(remove && remove.checked) && !row.classList.contains("upload-refused");
    }).length;
  }

  function move(row, step) {
    if (step < 0 && row.previousElementSibling) { rowsBox.insertBefore(row, row.previousElementSibling); }
    if (step > 0 && row.nextElementSibling) { rowsBox.insertBefore(row.nextElementSibling, row); }
    renumber();
  }

  // Drag by the handle with pointer events (mouse, pen and touch alike).
  function draggable(row, handle) {
    handle.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      e.preventDefault();
      handle.setPointerCapture(e.pointerId);
      row.classList.add("photo-dragging");
      function over(ev) {
        var prev = row.previousElementSibling;
        var next = row.nextElementSibling;
        if (prev && ev.clientY < prev.getBoundingClientRect().top + prev.offsetHeight / 2) {
          rowsBox.insertBefore(row, prev);
        } else if (next && ev.clientY > next.getBoundingClientRect().top + next.offsetHeight / 2) {
          rowsBox.insertBefore(next, row);
        }
      }
      function drop() {
        row.classList.remove("photo-dragging");
        handle.removeEventListener("pointermove", over);
        handle.removeEventListener("pointerup", drop);
        handle.removeEventListener("pointercancel", drop);
        renumber();
      }
      handle.addEventListener("pointermove", over);
      handle.addEventListener("pointerup", drop);
      handle.addEventListener("pointercancel", drop);
    });
  }

  // The order controls of a row: a drag handle and, for the keyboard, up and down buttons.
  function enhance(row) {
    var position = row.querySelector("input[name$='-position']");
    if (position) { position.closest("[class*='col-']").classList.add("d-none"); }
    var tools = document.createElement("div");
    tools.className = "col-12 col-md-auto d-flex gap-1 photo-tools";
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
    row.insertBefore(tools, row.firstChild);
  }

  function addPhoto(file) {
    var row = document.createElement("div");
    row.innerHTML = template.innerHTML.replace(/__prefix__/g, String(rows().length));
    row = row.firstElementChild;
    var cell = row.querySelector("input[type='file']").closest("[class*='col-']");
    cell.replaceChildren();
    var img = document.createElement("img");
    img.className = "photo-thumb";
    img.alt = file.name;
    var name = document.createElement("div");
    name.className = "small text-muted text-truncate";
    name.textContent = file.name;
    cell.append(img, name);
    if (/^image\/(jpeg|png|webp)$/.test(file.type) && file.size < 15 * 1024 * 1024) {
      var reader = new FileReader();
      reader.onload = function () { if (!img.getAttribute("src")) { img.src = reader.result; } };
      reader.readAsDataURL(file);  // data: URLs are allowed by the page's policy, blob: ones not
    }
    var removeCell = row.querySelector("[class*='col-md-1']");
    var upload = new Upload(file, "photo", null, null);
    var removeButton = document.createElement("button");
    removeButton.type = "button";
    removeButton.className = "btn btn-sm btn-link text-danger p-0";
    removeButton.textContent = text("remove");
    removeButton.addEventListener("click", function () {
      upload.cancel(); upload.ui.forget(); row.remove(); renumber();
    });
    removeCell.replaceChildren(removeButton);
    rowsBox.appendChild(row);
    enhance(row);
    renumber();
    upload.ui = statusLine(cell, upload, function (data, message) {
      if (data) {
        row.querySelector("input[name$='-photo']").value = String(data.id);
        if (!img.getAttribute("src")) { img.src = data.thumb; }
      } else {
        row.classList.add("upload-refused");
        row.setAttribute("data-error", message);
      }
    });
    upload.start();
  }

  function addPhotos(files) {
    statusBox.textContent = "";
    Array.prototype.forEach.call(files, function (file) {
      if (keptPhotos() >= maxPhotos) {
        statusBox.textContent = (statusBox.textContent ? statusBox.textContent + " " : text("too-many") + " ") + file.name;
        return;
      }
      addPhoto(file);
    });
  }

  // ------------------------------------------------------------------ attachments

  function attachmentInput(input) {
    var group = input.closest(".call-field-files");
    var field = group ? group.getAttribute("data-field") : "";
    var list = document.createElement("ul");
    list.className = "list-unstyled small mb-2 upload-list";
    input.closest(".mb-3, div").insertAdjacentElement("afterend", list);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      input.value = "";  // the files go through the chunk API, not with the form
      files.forEach(function (file) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = file.name + " ";
        item.appendChild(name);
        list.appendChild(item);
        var upload = new Upload(file, "attachment", field, null);
        upload.ui = statusLine(item, upload, function (data) {
          if (!data) { return; }
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = "staged_attachment"; hidden.value = String(data.id);
          item.appendChild(hidden);
        });
        upload.start();
      });
    });
  }

  // ------------------------------------------------------------------ the page

  root.hidden = false;
  var addButton = form.querySelector("[data-formset-add='" + PREFIX + "']");
  if (addButton) { addButton.hidden = true; }
  // Rows waiting for a file are replaced by the buttons above; rows of photos stay.
  rows().forEach(function (row) {
    var id = row.querySelector("input[name$='-photo']");
    if (!id || !id.value) { row.remove(); } else { enhance(row); }
  });
  renumber();
  root.querySelectorAll("[data-role='pick'], [data-role='camera']").forEach(function (input) {
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      input.value = "";
      addPhotos(files);
    });
  });
  form.querySelectorAll("#attachment-uploads input[type='file'], .call-field-files input[type='file']").forEach(attachmentInput);
  // Capture phase: runs before the page's guard against a double submission.
  form.addEventListener("submit", function (e) {
    if (active > 0) {
      e.preventDefault();
      e.stopImmediatePropagation();
      statusBox.textContent = text("busy");
      statusBox.scrollIntoView({ block: "center" });
      return;
    }
    renumber();
  }, true);
})();
