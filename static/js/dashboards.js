/* Draws a bar chart beside each dashboard table from the JSON the page carries (no inline script: the CSP
   allows none). The table stays the accessible source; hidden (suppressed) figures are gaps in the chart. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var colours = ["#1f6f5c", "#d08c2b", "#5b5fa8"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var rtl = document.documentElement.getAttribute("dir") === "rtl";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return { label: set.label + " (" + data.currency + ")",
                   data: set.data.map(function (v) { return v === null ? null : Number(v); }),
                   backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        animation: false,
        indexAxis: data.labels.length > 8 ? "y" : "x",
        locale: document.documentElement.lang,
        plugins: { legend: { rtl: rtl, position: "bottom" }, tooltip: { rtl: rtl } },
        scales: { x: { reverse: rtl && data.labels.length <= 8 } }
      }
    });
  });
})();
