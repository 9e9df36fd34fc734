// Renew the typed payment code and the balance shown under the payment QR.
(function () {
  var code = document.getElementById("pay-code");
  var balance = document.getElementById("pay-balance");
  if (!code) { return; }
  var seconds = parseInt(code.dataset.refresh, 10) || 60;
  setInterval(function () {
    fetch(code.dataset.src, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) { code.textContent = data.code; if (balance) { balance.textContent = data.balance; } })
      .catch(function () {});
  }, seconds * 1000);
})();
