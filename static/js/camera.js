// The camera for the QR scanners: start it, or explain in the page's language why it cannot start
// and hand over to the typed code. Messages come from data-camera-* attributes on #scanner.
(function () {
  var reasons = {
    NotFoundError: "notfound", OverconstrainedError: "notfound", DevicesNotFoundError: "notfound",
    NotAllowedError: "denied", PermissionDeniedError: "denied", SecurityError: "denied",
    NotReadableError: "busy", TrackStartError: "busy", AbortError: "busy",
  };

  function problem(box, error) {
    var reason = (error && reasons[error.name]) || (error ? "other" : "unsupported");
    return box.dataset["camera" + reason.charAt(0).toUpperCase() + reason.slice(1)] ||
      box.dataset.cameraOther || "";
  }

  // Start the back camera into `video`; on failure show why in `result`, hide the camera and
  // move to the typed-code input so it is in view and ready.
  window.startCamera = function (box, video, result, start, onStream) {
    function fail(error) {
      result.textContent = problem(box, error);
      result.className = "scan-result warn";
      video.hidden = true;
      var fallback = document.getElementById("code");
      if (fallback) {
        if (fallback.scrollIntoView) { fallback.scrollIntoView({ block: "center" }); }
        fallback.focus();
      }
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { fail(null); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.hidden = false;
        video.srcObject = stream;
        video.play();
        start.hidden = true;
        onStream();
      })
      .catch(fail);
  };
})();
