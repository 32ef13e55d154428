// A large file sent from the browser in parts: straight to the object store through presigned
// URLs (or to the app's part route where the store is a local directory), a few at a time,
// with progress, pause and resume. To resume after a reload, the same file is chosen again: the
// page lists the open sessions, the script picks the one of that name and size and asks which
// parts are stored, and sends only the others. Then the server joins the parts and the worker
// computes the fingerprint, which the page waits for. A file of its own, for the CSP.
(function () {
  const root = document.getElementById("uploader");
  if (!root) { return; }
  const CONCURRENCY = 3;
  const BATCH = 100; // part URLs asked for at a time (they expire)
  const POLL_MS = 2000;
  const RETRIES = 3; // attempts at a part before the upload waits for the user
  const input = document.getElementById("upload-file");
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const status = document.getElementById("upload-status");
  const buttons = {
    start: document.getElementById("upload-start"),
    pause: document.getElementById("upload-pause"),
    resume: document.getElementById("upload-resume"),
    cancel: document.getElementById("upload-cancel"),
  };
  let file = null;
  let upload = null; // the session as the server shows it
  let current = null; // the run in progress; pausing ends it, and a resume starts a new one
  let stored = new Set();
  const inflight = new Map(); // part number -> its XMLHttpRequest
  const sent = new Map(); // part number -> bytes of it sent so far

  const text = (name, values) => (root.dataset["text" + name] || "").replace(
    /\{(\w+)\}/g, (_, key) => (values && key in values ? String(values[key]) : ""));
  const say = (message) => { status.textContent = message; };
  const show = (...names) => {
    for (const [name, button] of Object.entries(buttons)) { button.hidden = !names.includes(name); }
  };
  const counts = () => ({done: stored.size, total: upload.part_count});
  const sessionUrl = (suffix) => root.dataset.session.replace("TOKEN", upload.id) + (suffix || "");
  const partBytes = (number) => (number < upload.part_count
    ? upload.part_size : upload.size - upload.part_size * (upload.part_count - 1));

  // This browser remembers when each session's file was last changed, so a different file of
  // the same name and size is not mixed into an open session's parts.
  const memoryKey = (token) => "shujiao-upload-" + token;
  function remember(token) {
    try { localStorage.setItem(memoryKey(token), String(file.lastModified)); } catch (error) { /* private mode */ }
  }
  function sameFile(token) {
    let known = null;
    try { known = localStorage.getItem(memoryKey(token)); } catch (error) { known = null; }
    return known === null || known === String(file.lastModified);
  }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (!response.ok) {
      const failure = new Error((data && data.message) || text("Error"));
      failure.status = response.status;
      throw failure;
    }
    return data;
  }

  function progress() {
    let bytes = 0;
    for (const number of stored) { bytes += partBytes(number); }
    for (const value of sent.values()) { bytes += value; }
    const value = Math.min(100, Math.floor((bytes * 100) / upload.size));
    bar.value = value;
    percent.textContent = value + "%";
  }

  function sendPart(target) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const forget = () => {
        if (inflight.get(target.number) !== xhr) { return; } // a later run sends this part now
        inflight.delete(target.number);
        sent.delete(target.number);
      };
      inflight.set(target.number, xhr);
      xhr.open("PUT", target.url);
      if (!/^https?:/.test(target.url)) { // the app's own part route
        xhr.setRequestHeader("X-CSRFToken", root.dataset.csrf);
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
      }
      xhr.upload.onprogress = (event) => { sent.set(target.number, event.loaded); progress(); };
      xhr.onload = () => {
        forget();
        if (xhr.status >= 200 && xhr.status < 300) {
          stored.add(target.number);
          progress();
          say(text("Sending", counts()));
          resolve();
        } else {
          reject(Object.assign(new Error(text("Failed")), {status: xhr.status}));
        }
      };
      xhr.onerror = xhr.onabort = () => { forget(); progress(); reject(new Error(text("Failed"))); };
      const start = (target.number - 1) * upload.part_size;
      xhr.send(file.slice(start, start + target.size));
    });
  }

  async function sendWithRetries(target, live) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await sendPart(target);
      } catch (error) {
        // A network error may pass; a refusal by the store (status set) will not.
        if (!live() || error.status || attempt >= RETRIES) { throw error; }
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  }

  function stopAll() {
    current = null;
    for (const xhr of inflight.values()) { xhr.abort(); }
  }

  // The "Recent uploads" list, fetched again from this page when a session begins or ends, so
  // it never says "uploading" about a file that is registered (the server renders its words).
  async function refreshList() {
    try {
      const response = await fetch(window.location.href, {credentials: "same-origin"});
      if (!response.ok) { return; }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("recent-uploads");
      const shown = document.getElementById("recent-uploads");
      if (fresh && shown) { shown.replaceWith(document.importNode(fresh, true)); }
    } catch (ignored) { /* the list is right again on the next load */ }
  }

  async function finish() {
    let wait = POLL_MS;
    while (upload.state === "verifying") {
      say(text("Verifying"));
      await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        upload = await call("GET", sessionUrl());
        wait = POLL_MS;
      } catch (error) {
        // The server goes on verifying whatever happens to this page's connection: a check
        // lost to the network is asked again, less often, until one answers.
        if (error.status && error.status < 500) { say(error.message); show("start"); return; }
        wait = Math.min(wait * 2, 30000);
      }
    }
    show("start");
    if (upload.state === "registered") {
      bar.value = 100;
      percent.textContent = "100%";
      say(text("Registered", {sha256: upload.sha256}));
      document.getElementById("upload-done").hidden = false;
    } else if (upload.state === "rejected") {
      say(text("Rejected", {reason: (upload.error && upload.error.message) || ""}));
    } else {
      say(text("Error"));
    }
    upload = null;
    await refreshList();
  }

  async function run() {
    // A paused run may still be unwinding when the next one starts; it must not touch it.
    const me = Symbol("run");
    current = me;
    const live = () => current === me;
    show("pause", "cancel");
    try {
      upload = await call("GET", sessionUrl());
      if (upload.state !== "open") { current = null; return finish(); }
      stored = new Set(upload.stored_parts.map((part) => part.number));
      progress();
      say(text(stored.size ? "Resuming" : "Sending", counts()));
      const missing = [];
      for (let number = 1; number <= upload.part_count; number += 1) {
        if (!stored.has(number)) { missing.push(number); }
      }
      while (live() && missing.length) {
        const queue = await call("POST", sessionUrl("/parts"), {parts: missing.splice(0, BATCH)});
        // A part that fails does not stop the others: they are stored, and a resume sends
        // only what is missing.
        let failure = null;
        const worker = async () => {
          while (live() && queue.length) {
            try { await sendWithRetries(queue.shift(), live); } catch (error) { failure = failure || error; }
          }
        };
        await Promise.all(Array.from({length: CONCURRENCY}, worker));
        if (failure) { throw failure; }
      }
      if (!live()) { return; }
      show();
      say(text("Joining"));
      upload = await call("POST", sessionUrl("/complete"));
      current = null;
      await finish();
    } catch (error) {
      if (!live()) { return; } // paused or cancelled: the aborted parts are not failures
      stopAll();
      say(error.message);
      if (error.status && error.status < 500 && error.status !== 403) {
        // A refused completion may have closed the session (a file not of its type): then
        // there is nothing to resume, only its outcome to show.
        try { upload = await call("GET", sessionUrl()); } catch (ignored) { /* keep the message */ }
        if (upload && upload.state && upload.state !== "open") { return finish(); }
      }
      // A refusal of the session itself (its size, its type) cannot be resumed.
      if (error.status && error.status !== 403 && error.status < 500 && !stored.size) {
        show("start");
        upload = null;
      } else {
        show("resume", "cancel");
      }
    }
  }

  buttons.start.addEventListener("click", async () => {
    file = input.files && input.files[0];
    document.getElementById("upload-done").hidden = true;
    if (!file) { say(text("Choose")); return; }
    const open = Array.from(document.querySelectorAll("[data-open-upload]")).find(
      (row) => row.dataset.name === file.name && Number(row.dataset.size) === file.size
        && sameFile(row.dataset.openUpload));
    try {
      upload = open ? {id: open.dataset.openUpload}
        : await call("POST", root.dataset.begin, {name: file.name, size: file.size});
    } catch (error) {
      say(error.message);
      return;
    }
    remember(upload.id);
    if (!open) { refreshList(); }
    run();
  });
  buttons.pause.addEventListener("click", () => {
    stopAll();
    show("resume", "cancel");
    say(text("Paused", counts()));
  });
  buttons.resume.addEventListener("click", () => { run(); });
  buttons.cancel.addEventListener("click", async () => {
    stopAll();
    try { await call("POST", sessionUrl("/abort")); } catch (error) { say(error.message); return; }
    upload = null;
    bar.value = 0;
    percent.textContent = "0%";
    show("start");
    say(text("Cancelled"));
    refreshList();
  });
})();
