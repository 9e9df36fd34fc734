// The event display: a clock and the live count of check-ins.
(function () {
  var count = document.getElementById("count");
  var clock = document.getElementById("clock");
  function tick() {
    fetch(count.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        count.textContent = data.checked_in;
        clock.textContent = data.time;
      })
      .catch(function () {});
  }
  tick();
  setInterval(tick, 5000);
})();
