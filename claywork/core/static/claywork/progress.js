/*
 * Draws the progress page's line charts with Chart.js. Each chart's numbers come from a
 * `{{ data|json_script }}` block named by its canvas (data-chart-source); the same numbers are
 * in the table beside it, so the page reads fully without this script.
 *
 * Chart data shape: {"y_max": 27, "y_label": "...", "series": [{"label": "...",
 * "points": [["2026-03-01", 14], ...], "emphasis": "main" | "faint"}], "sessions": ["2026-03-03"]}
 * Days are calendar days in the patient's zone, drawn on a linear axis of UTC midnights so no
 * date adapter is needed and no day shifts with the viewer's zone.
 */
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var MAX_TICKS = 8;
  var DENSE_POINTS = 45;  // beyond this many days, dots would hide the line
  var COLOURS = { main: "#2f5d50", faint: "#7d9a90", session: "#8a4b2a", grid: "#e5ded2", ink: "#1f2a2e" };

  function dayValue(isoDay) {
    return Date.parse(isoDay + "T00:00:00Z");
  }

  function dayLabel(value) {
    return new Date(value).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function longDayLabel(value) {
    return new Date(value).toLocaleDateString(undefined, {
      day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
    });
  }

  function dataset(series) {
    var main = series.emphasis !== "faint";
    var dense = series.points.length > DENSE_POINTS;
    return {
      label: series.label,
      data: series.points.map(function (point) { return { x: dayValue(point[0]), y: point[1] }; }),
      borderColor: main ? COLOURS.main : COLOURS.faint,
      backgroundColor: main ? COLOURS.main : COLOURS.faint,
      borderWidth: main ? 2.5 : 1,
      pointRadius: dense ? (main ? 0 : 1.5) : (main ? 3 : 2),
      pointHoverRadius: 5,
      showLine: true,
      tension: 0
    };
  }

  function sessionLines(sessions) {
    var lines = {};
    sessions.forEach(function (isoDay, index) {
      var value = dayValue(isoDay);
      lines["session" + index] = {
        type: "line",
        drawTime: "beforeDatasetsDraw",
        xMin: value,
        xMax: value,
        borderColor: COLOURS.session,
        borderWidth: 1.5,
        borderDash: [5, 4],
        label: {
          display: true,
          content: "Session",
          position: "end",
          color: "#ffffff",
          backgroundColor: COLOURS.session,
          font: { size: 11 }
        }
      };
    });
    return lines;
  }

  function dayRange(chart) {
    var days = chart.sessions.map(dayValue);
    chart.series.forEach(function (series) {
      series.points.forEach(function (point) { days.push(dayValue(point[0])); });
    });
    var first = Math.min.apply(null, days) - DAY_MS;
    var last = Math.max.apply(null, days) + DAY_MS;
    var step = Math.max(1, Math.ceil((last - first) / DAY_MS / MAX_TICKS)) * DAY_MS;
    return { min: first, max: last, step: step };
  }

  function draw(canvas, chart) {
    var range = dayRange(chart);
    return new window.Chart(canvas, {
      type: "line",
      data: { datasets: chart.series.map(dataset) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: "nearest", intersect: false, axis: "x" },
        scales: {
          x: {
            type: "linear",
            min: range.min,
            max: range.max,
            ticks: { stepSize: range.step, callback: dayLabel, color: COLOURS.ink, maxRotation: 0 },
            grid: { color: COLOURS.grid }
          },
          y: {
            min: 0,
            max: chart.y_max,
            title: { display: true, text: chart.y_label, color: COLOURS.ink },
            ticks: { color: COLOURS.ink, precision: 0, includeBounds: false },
            grid: { color: COLOURS.grid }
          }
        },
        plugins: {
          legend: { display: chart.series.length > 1, labels: { color: COLOURS.ink } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? longDayLabel(items[0].parsed.x) : ""; }
            }
          },
          annotation: { annotations: sessionLines(chart.sessions) }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) { return; }
      var chart = JSON.parse(source.textContent);
      if (chart.series.some(function (series) { return series.points.length > 0; })) {
        draw(canvas, chart);
      }
    });
  });
})();
