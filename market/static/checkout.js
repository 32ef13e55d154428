// Checkout by card: Stripe.js tokenises the card in the browser; the server confirms the intent
// it created. A file of its own, so the Content Security Policy can forbid inline script.
(function () {
  const form = document.getElementById("card-form");
  if (!form) { return; }
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  // Stripe.js's own messages are English: a refusal in the browser is shown by its code, in
  // the page's language (market/payments/declines.py), never as the processor's text.
  const declines = JSON.parse(form.dataset.declines || "{}");
  const declined = (error) => declines[error.decline_code] || declines[error.code] || declines[""];
  const fail = (message) => {
    document.getElementById("card-error").textContent = message || form.dataset.failed;
    document.getElementById("pay-button").disabled = false;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    document.getElementById("pay-button").disabled = true;
    const tokenised = await stripe.createToken(card);
    if (tokenised.error) { return fail(declined(tokenised.error)); }
    const response = await fetch(form.dataset.confirmUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf},
      body: JSON.stringify({payment_method: tokenised.token.card.id}),
    });
    const result = await response.json().catch(() => ({}));
    if (!response.ok) { return fail(result.message); }
    if (result.status === "requires_action") {
      // 3-D Secure: Stripe.js runs the authentication with the bank.
      const confirmed = await stripe.confirmCardPayment(result.client_secret);
      if (confirmed.error) { return fail(declined(confirmed.error)); }
    }
    window.location.assign(result.return_url);
  });
})();
