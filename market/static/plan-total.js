// The listing editor: beside each subscription row, what the buyer pays in all (the price is
// per period, paid for every period at once), kept up to date as the provider types. The
// server renders the same line; this only refreshes it.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-Hans";
  function amount(text, currency) {
    var cleaned = (text || "").replace(/[\s,，]/g, "").replace(/^(CN¥|HK\$|US\$|MOP\$|[¥￥$€£])/, "").replace("．", ".");
    if (!/^\d+(\.\d+)?$/.test(cleaned)) { return null; }
    return Number(cleaned);
  }
  function format(value, currency) {
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency }).format(value);
    } catch (error) {
      return value.toFixed(2) + " " + currency;
    }
  }
  document.querySelectorAll("[data-testid=plan-total]").forEach(function (line) {
    var p = line.getAttribute("data-row");
    var kind = document.getElementById(p + "kind");
    var price = document.getElementById(p + "price");
    var periods = document.getElementById(p + "periods");
    var currency = document.getElementById(p + "currency");
    if (!kind || !price || !periods || !currency) { return; }
    function update() {
      var each = amount(price.value, currency.value);
      var count = parseInt(periods.value, 10);
      if (kind.value !== "subscription" || each === null || !(count >= 1)) {
        line.textContent = "";
        return;
      }
      // Whole minor units, as the exchange stores them, before multiplying.
      var total = Math.round(each * 100) * count / 100;
      line.textContent = line.getAttribute("data-template")
        .replace("{total}", format(total, currency.value))
        .replace("{periods}", String(count))
        .replace("{each}", format(each, currency.value));
    }
    [kind, price, periods, currency].forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
  });
})();
