// Card pages: Stripe Elements sends the card to Stripe; our server then asks Stripe what happened.
// Loaded only on the card pages, after Stripe.js; no inline script (the CSP allows nonced files only).
(function () {
  "use strict";

  function showError(form, message) {
    var box = document.getElementById("card-errors");
    if (box) {
      box.textContent = message;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = false;
    }
  }

  function stripeFor(form) {
    if (typeof window.Stripe !== "function") {
      showError(form, form.getAttribute("data-error-unavailable"));
      return null;
    }
    return window.Stripe(form.getAttribute("data-publishable-key"));
  }

  // Saving a card: confirmCardSetup, then post the form (CSRF token only) so the server fetches the result.
  function setUpCard(form) {
    var stripe = stripeFor(form);
    if (!stripe) {
      return;
    }
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelector("button[type=submit]").disabled = true;
      var name = document.getElementById("cardholder-name").value;
      stripe.confirmCardSetup(form.getAttribute("data-client-secret"), {
        payment_method: { card: card, billing_details: { name: name } }
      }).then(function (result) {
        if (result.error) {
          showError(form, result.error.message);
        } else {
          form.submit();
        }
      });
    });
  }

  // Authenticating a charge the bank held back: confirmCardPayment opens the bank's step.
  function completePayment(form) {
    var stripe = stripeFor(form);
    if (!stripe) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelector("button[type=submit]").disabled = true;
      stripe.confirmCardPayment(form.getAttribute("data-client-secret")).then(function (result) {
        if (result.error) {
          showError(form, result.error.message);
        } else {
          form.submit();
        }
      });
    });
  }

  var setupForm = document.getElementById("card-setup-form");
  if (setupForm) {
    setUpCard(setupForm);
  }
  var paymentForm = document.getElementById("card-payment-form");
  if (paymentForm) {
    completePayment(paymentForm);
  }
})();
