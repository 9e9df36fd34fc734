// Reload images marked data-refresh="<seconds>" so a QR code never goes stale on screen.
(function () {
  document.querySelectorAll("img[data-refresh]").forEach(function (image) {
    var seconds = parseInt(image.dataset.refresh, 10) || 30;
    setInterval(function () {
      image.src = image.dataset.src + (image.dataset.src.indexOf("?") < 0 ? "?" : "&") + "t=" + Date.now();
    }, seconds * 1000);
  });
})();
