// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = root.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Facets are a drawer on phones and a sidebar on wider screens.
  var drawer = document.querySelector("details.facets");
  if (drawer && window.matchMedia("(min-width: 801px)").matches) {
    drawer.open = true;
  }
  // Print buttons (receipts, statements) are hidden until this file can make them work: the
  // Content-Security-Policy forbids an inline onclick.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // On a phone a table stacks into rows and hides its head: each cell without a data-label
  // of its own takes its column's name from the head, so a value is never left unnamed.
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var head = heads[column];
          column += cell.colSpan;
          var name = head && cell.colSpan === 1 ? head.textContent.trim() : "";
          if (name && cell.tagName === "TD" && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", name);
          }
        });
      });
    });
  });
  // A form refused far down a long page says so at the top: the summary takes the focus.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }
  // Destructive actions ask first; the question is in the button's data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
