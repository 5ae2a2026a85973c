/*
 * Draws the integration plan's "wheel": a radar chart of the realm ratings (0-10) on the last
 * few rating days. Its numbers come from the `{{ wheel|json_script }}` block named by the
 * canvas (data-wheel-source); the same numbers are in the table below it.
 *
 * Data shape: {"labels": ["Body", ...], "series": [{"label": "2026-03-01", "values": [7, null, ...]}]}
 */
(function () {
  "use strict";

  var COLOURS = ["#7d9a90", "#8a4b2a", "#2f5d50"];
  var INK = "#1f2a2e";

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-wheel-source]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.wheelSource);
      if (!source) { return; }
      var wheel = JSON.parse(source.textContent);
      var offset = COLOURS.length - wheel.series.length;
      new window.Chart(canvas, {
        type: "radar",
        data: {
          labels: wheel.labels,
          datasets: wheel.series.map(function (series, index) {
            var colour = COLOURS[offset + index];
            return {
              label: series.label,
              data: series.values,
              borderColor: colour,
              backgroundColor: "transparent",
              pointBackgroundColor: colour,
              borderWidth: index === wheel.series.length - 1 ? 2.5 : 1,
              spanGaps: true
            };
          })
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { r: { min: 0, max: 10, ticks: { stepSize: 2, color: INK }, pointLabels: { color: INK } } },
          plugins: { legend: { labels: { color: INK } } }
        }
      });
    });
  });
})();
