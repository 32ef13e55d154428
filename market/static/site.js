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
