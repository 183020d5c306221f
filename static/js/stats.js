// Charts of the statistics page, drawn with the vendored Chart.js (static/vendor/chartjs).
// The numbers come from <script type="application/json" id="stats-data"> and the translated
// labels from id="stats-labels" (both written by Django's json_script: data, never executed),
// so the page needs no inline script. Sizes are set through the CSSOM (no style attributes).
(function () {
  "use strict";
  var dataNode = document.getElementById("stats-data");
  var labelNode = document.getElementById("stats-labels");
  if (!dataNode || !labelNode || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var text = JSON.parse(labelNode.textContent);
  var Chart = window.Chart;

  var RED = "rgba(196, 52, 45, 0.65)";
  var RED_SOLID = "rgb(196, 52, 45)";
  var GREY = "rgba(108, 117, 125, 0.55)";
  var BLUE = "rgba(13, 110, 253, 0.55)";
  var DARK = "rgb(33, 37, 41)";

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function canvas(id, rows, perRow, minHeight) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var holder = node.parentElement;
    holder.style.position = "relative";
    holder.style.height = Math.max(minHeight, (rows || 0) * perRow + 60) + "px";
    return node;
  }

  function drawn(node) { node.setAttribute("data-drawn", "1"); }

  function fixed(value, digits) {
    return (value === null || value === undefined) ? "—" : Number(value).toFixed(digits);
  }

  // All totals: a histogram.
  (function () {
    var h = data.histogram;
    var node = canvas("chart-histogram", 0, 0, 220);
    if (!node || !h.counts.length) { return; }
    var bins = h.counts.map(function (_n, i) { return h.edges[i] + "–" + h.edges[i + 1]; });
    new Chart(node, {
      type: "bar",
      data: { labels: bins, datasets: [{ label: text.count, data: h.counts, backgroundColor: RED,
        categoryPercentage: 1.0, barPercentage: 0.95 }] },
      options: { plugins: { legend: { display: false } },
        scales: { x: { title: { display: true, text: text.total } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: text.count } } } }
    });
    drawn(node);
  })();

  // Each judge's distribution: range and quartile bars, median and mean marks (horizontal).
  (function () {
    var judges = data.judges;
    var node = canvas("chart-distribution", judges.length, 28, 200);
    if (!node || !judges.length) { return; }
    new Chart(node, {
      type: "bar",
      data: {
        labels: judges.map(function (j) { return j.name; }),
        datasets: [
          { label: text.range, data: judges.map(function (j) { return [j.min, j.max]; }),
            backgroundColor: GREY, barPercentage: 0.18, grouped: false, order: 3 },
          { label: text.quartiles, data: judges.map(function (j) { return [j.q1, j.q3]; }),
            backgroundColor: RED, barPercentage: 0.7, grouped: false, order: 2 },
          { type: "line", indexAxis: "y", label: text.median, showLine: false,
            data: judges.map(function (j) { return j.median; }), pointStyle: "circle",
            pointRadius: 5, backgroundColor: DARK, borderColor: DARK, order: 1 },
          { type: "line", indexAxis: "y", label: text.mean, showLine: false,
            data: judges.map(function (j) { return j.mean; }), pointStyle: "rectRot",
            pointRadius: 6, backgroundColor: "#fff", borderColor: DARK, order: 0 }
        ]
      },
      options: {
        indexAxis: "y",
        scales: { x: { title: { display: true, text: text.total } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          var v = ctx.raw;
          if (Array.isArray(v)) { return ctx.dataset.label + ": " + fixed(v[0], 1) + " – " + fixed(v[1], 1); }
          return ctx.dataset.label + ": " + fixed(v, 2);
        } } } }
      }
    });
    drawn(node);
  })();

  // Writes each point's name beside it (the judges of the severity chart): no plugin needed.
  var pointNames = {
    id: "pointNames",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px " + Chart.defaults.font.family;
      ctx.fillStyle = DARK;
      ctx.textBaseline = "middle";
      chart.data.datasets.forEach(function (dataset, i) {
        chart.getDatasetMeta(i).data.forEach(function (point, k) {
          var name = dataset.data[k].name;
          var right = point.x + 8 + ctx.measureText(name).width > chart.chartArea.right;
          ctx.textAlign = right ? "right" : "left";
          ctx.fillText(name, point.x + (right ? -8 : 8), point.y);
        });
      });
      ctx.restore();
    }
  };

  // Severity (x) against spread (y), one point per judge, named; x = 0 is the panel.
  (function () {
    var judges = data.judges;
    var node = canvas("chart-severity", 0, 0, 320);
    if (!node || !judges.length) { return; }
    node.setAttribute("data-point-names", judges.map(function (j) { return j.name; }).join("、"));
    new Chart(node, {
      plugins: [pointNames],
      type: "scatter",
      data: { datasets: [{ label: text.severity,
        data: judges.map(function (j) { return { x: j.severity, y: j.spread, name: j.name }; }),
        backgroundColor: RED_SOLID, pointRadius: 5 }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) {
          return ctx.raw.name + ": " + fixed(ctx.raw.x, 2) + " / " + fixed(ctx.raw.y, 2);
        } } } },
        scales: {
          x: { grace: "10%", title: { display: true, text: text.severity },
            grid: { color: function (ctx) { return ctx.tick && ctx.tick.value === 0 ? DARK : "rgba(0,0,0,0.08)"; } } },
          y: { beginAtZero: true, grace: "10%", title: { display: true, text: text.spread } }
        }
      }
    });
    drawn(node);
  })();

  // Rank stability: the probability of the top N, by rank; green inside the cut line.
  (function () {
    var st = data.stability;
    var node = canvas("chart-stability", st.cases.length, 22, 200);
    if (!node || !st.computed || !st.cases.length) { return; }
    new Chart(node, {
      type: "bar",
      data: {
        labels: st.cases.map(function (c) {
          var title = c.title.length > 18 ? c.title.slice(0, 17) + "…" : c.title;
          return c.rank + ". " + c.code + " " + title;
        }),
        datasets: [{ label: text.probability,
          data: st.cases.map(function (c) { return c.probability === null ? 0 : Math.round(c.probability * 1000) / 10; }),
          backgroundColor: st.cases.map(function (c) { return c.rank <= st.top ? "rgba(25, 135, 84, 0.7)" : BLUE; }) }]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) {
          return text.probability + ": " + ctx.raw + " %";
        } } } },
        scales: { x: { min: 0, max: 100, title: { display: true, text: text.probability + " (%)" } } }
      }
    });
    drawn(node);
  })();
})();
