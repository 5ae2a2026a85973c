/*
 * Draws the themes pages' charts with Chart.js: a bar chart per theme (passages after each
 * session) and the weekly tone beside mood. Numbers come from `{{ data|json_script }}`
 * blocks named by each canvas; the same numbers are in the tables beside them, so the pages
 * read fully without this script.
 *
 * Theme data: {"label": "...", "sessions": ["Session 1, 5 Jan", ...], "values": [2, 0, ...]}
 * Tone data: {"weeks": ["2026-01-05", ...], "tone": [0.31, null, ...], "mood": [6.5, ...]}
 */
(function () {
  "use strict";

  var COLOURS = { theme: "#2f5d50", tone: "#8a4b2a", mood: "#7d9a90", ink: "#1f2a2e", grid: "#e5ded2" };

  function read(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function drawTheme(canvas) {
    var data = read(canvas.dataset.themeChart);
    if (!data) { return; }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.sessions,
        datasets: [{ label: "Passages", data: data.values, backgroundColor: COLOURS.theme }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { ticks: { color: COLOURS.ink }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0, color: COLOURS.ink }, grid: { color: COLOURS.grid } }
        }
      }
    });
  }

  function drawTone(canvas) {
    var data = read(canvas.dataset.toneChart);
    if (!data) { return; }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: [
          { label: "Tone of entries (estimate, -1 to +1)", data: data.tone, borderColor: COLOURS.tone,
            backgroundColor: COLOURS.tone, yAxisID: "tone", spanGaps: true, tension: 0 },
          { label: "Mood check-ins (0 to 10)", data: data.mood, borderColor: COLOURS.mood,
            backgroundColor: COLOURS.mood, yAxisID: "mood", spanGaps: true, borderDash: [5, 4], tension: 0 }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { color: COLOURS.ink } } },
        scales: {
          x: { ticks: { color: COLOURS.ink }, grid: { display: false } },
          tone: { position: "left", min: -1, max: 1, ticks: { color: COLOURS.ink }, grid: { color: COLOURS.grid } },
          mood: { position: "right", min: 0, max: 10, ticks: { color: COLOURS.ink }, grid: { display: false } }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-theme-chart]").forEach(drawTheme);
    document.querySelectorAll("canvas[data-tone-chart]").forEach(drawTone);
  });
})();
