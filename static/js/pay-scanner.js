// Merchants: read a member's payment QR with the camera (jsQR) and submit it to choose the item.
(function () {
  var box = document.getElementById("scanner");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var result = document.getElementById("scan-result");
  var start = document.getElementById("start-camera");
  var form = document.getElementById("code-form");
  var input = document.getElementById("code");
  var done = false;

  function frame() {
    if (done) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d");
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height);
      if (found && found.data) {
        done = true;
        input.value = found.data;
        form.submit();
        return;
      }
    }
    requestAnimationFrame(frame);
  }

  start.addEventListener("click", function () {
    window.startCamera(box, video, result, start, function () { requestAnimationFrame(frame); });
  });
})();
