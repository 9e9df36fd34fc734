// The payment page: renew the QR and the typed code every minute, and ask every few seconds
// whether the code has paid; once it has, show the payment and the new balance instead of the
// used code, and stop renewing.
(function () {
  var card = document.getElementById("pay-card");
  var code = document.getElementById("pay-code");
  var image = document.getElementById("pay-qr");
  var balance = document.getElementById("pay-balance");
  if (!card || !code) { return; }
  var seconds = parseInt(code.dataset.refresh, 10) || 60;
  var get = function (url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); });
  };
  var renew = setInterval(function () {
    if (image) { image.src = image.dataset.src + "?t=" + Date.now(); }
    get(code.dataset.src)
      .then(function (data) { code.textContent = data.code; if (balance) { balance.textContent = data.balance; } })
      .catch(function () {});
  }, seconds * 1000);
  var watch = setInterval(function () {
    get(card.dataset.status).then(function (data) {
      if (!data.paid) { return; }
      clearInterval(renew);
      clearInterval(watch);
      document.getElementById("pay-message").textContent = data.message;
      document.getElementById("pay-item").textContent = data.item;
      if (balance) { balance.textContent = data.balance; }
      document.getElementById("pay-waiting").hidden = true;
      document.getElementById("pay-done").hidden = false;
    }).catch(function () {});
  }, 3000);
})();
