// Reverse mode: read volunteers' card codes with the camera (jsQR) and post them.
(function () {
  var box = document.getElementById("scanner");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var result = document.getElementById("scan-result");
  var start = document.getElementById("start-camera");
  var last = "", lastAt = 0, busy = false;

  function post(code) {
    var offline = window.offlineScans;  // static/js/offline-scans.js: kept until the network is back
    if (offline && navigator.onLine === false) { offline.keep(code); return; }
    busy = true;
    var body = new URLSearchParams({ code: code, csrf_token: box.dataset.csrf });
    fetch(box.dataset.post, { method: "POST", body: body, credentials: "same-origin",
                              headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); },
            function (error) { if (offline) { offline.keep(code); return null; } throw error; })
      .then(function (data) { if (data) { result.textContent = data.message; result.className = "scan-result " + (data.ok ? "ok" : "warn"); } })
      .catch(function () { result.textContent = "…"; })
      .finally(function () { busy = false; });
  }

  function frame() {
    if (video.readyState === video.HAVE_ENOUGH_DATA && !busy) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d");
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height);
      if (found && (found.data !== last || Date.now() - lastAt > 5000)) {
        last = found.data;
        lastAt = Date.now();
        post(found.data);
      }
    }
    requestAnimationFrame(frame);
  }

  start.addEventListener("click", function () {
    window.startCamera(box, video, result, start, function () { requestAnimationFrame(frame); });
  });
})();
