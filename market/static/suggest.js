// Search suggestions as the buyer types: the market page's datalist, filled from the API.
(function () {
  var box = document.querySelector("[data-suggest]");
  var list = document.getElementById("suggestions");
  if (!box || !list || !window.fetch) return;
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
          list.replaceChildren.apply(list, items.map(function (item) {
            var option = document.createElement("option");
            option.value = item.text;
            return option;
          }));
        })
        .catch(function () {});
    }, 150);
  });
})();
