// Draws the dashboard's charts with Chart.js from the JSON block #dashboard-data (the page
// allows no inline script). Every chart has a table with the same numbers beside it; the
// labels come translated from the server.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) return;
  var charts = JSON.parse(source.textContent);
  var palette = ["#0f7b6c", "#e0a458", "#9aa5ab", "#1f4f96", "#b3261e", "#6a4c93", "#2a9d8f"];
  var styles = getComputedStyle(document.body);
  Chart.defaults.font.family = styles.fontFamily;
  Chart.defaults.color = styles.color;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function axis(title, stacked, isValueAxis) {
    var scale = { stacked: !!stacked, grid: { display: isValueAxis } };
    if (isValueAxis) {
      scale.beginAtZero = true;
      scale.title = { display: true, text: title };
    } else {
      scale.ticks = { autoSkip: false };
    }
    return scale;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec) return;
    if (spec.horizontal) {
      // One row of bars per label, so long lists of communities stay readable.
      var perRow = spec.stacked || spec.datasets.length === 1 ? 26 : 34;
      canvas.parentElement.style.height = Math.max(200, spec.labels.length * perRow + 90) + "px";
    }
    var datasets = spec.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: spec.colours ? palette : palette[index % palette.length],
        borderWidth: 0,
        maxBarThickness: 40
      };
    });
    var valueAxis = axis(spec.axis, spec.stacked, true);
    var labelAxis = axis(spec.axis, spec.stacked, false);
    new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + Number(item.raw).toLocaleString(document.documentElement.lang);
              }
            }
          }
        }
      }
    });
  });
})();
