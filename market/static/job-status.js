// Progressive enhancement: a page showing a queued or running worker job (data-poll, the URL of
// its JSON status) asks again every few seconds and reloads once the job has finished, so the
// result shows without a click. Without this file the page's own "Refresh" link does the same.
(function () {
  "use strict";
  var status = document.querySelector("[data-poll]");
  if (!status || !window.fetch) {
    return;
  }
  var url = status.getAttribute("data-poll");
  var note = status.getAttribute("data-poll-note");
  if (note) {
    var said = document.createElement("span");
    said.className = "muted";
    said.setAttribute("data-testid", "poll-note");
    said.textContent = " " + note;
    status.appendChild(said);
  }
  var delay = 2000;
  var MAX_DELAY = 15000;
  var GIVE_UP_AFTER = 60 * 60 * 1000; // an hour; the link still works after that
  var started = Date.now();

  function later() {
    if (Date.now() - started > GIVE_UP_AFTER) {
      return;
    }
    window.setTimeout(ask, delay);
    delay = Math.min(MAX_DELAY, Math.round(delay * 1.5));
  }

  function ask() {
    if (document.hidden) {
      later(); // no need to ask for a tab nobody looks at
      return;
    }
    window.fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (response.status === 404 || response.status === 403) {
          return null; // the job or the right to see it is gone: stop asking
        }
        return response.ok ? response.json() : {finished: false};
      })
      .then(function (job) {
        if (job === null) {
          return;
        }
        if (job.finished) {
          window.location.reload();
          return;
        }
        later();
      })
      .catch(later);
  }

  later();
})();
