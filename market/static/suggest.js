// Search suggestions as the buyer types: each search box marked data-suggest (the market's
// and the home page's) fills its own datalist from the suggestions' address. The datalist
// makes the box a combobox: the down arrow opens the suggestions, Enter takes one. Without
// this file the box is a plain search form.
(function () {
  if (!window.fetch) return;
  document.querySelectorAll("input[data-suggest]").forEach(function (box) {
    var list = box.list;
    if (!list || box.dataset.suggesting) return;
    box.dataset.suggesting = "1";  // the script may be loaded once per box on a page
    var timer = null, last = "";
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = box.value.trim();
        if (text === last) return;
        last = text;
        if (!text) { list.replaceChildren(); return; }
        fetch(box.dataset.suggest + "?q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (box.value.trim() !== text) return;  // an answer overtaken by later typing
            list.replaceChildren.apply(list, items.map(function (item) {
              var option = document.createElement("option");
              option.value = item.text;
              return option;
            }));
          })
          .catch(function () {});
      }, 150);
    });
  });
})();
