// The backtest page's chart: what was won in each period against each method's forecast at
// the period's start (the figures come from the page, in a json_script).
(function () {
  "use strict";
  var box = document.getElementById("backtest-chart");
  var source = document.getElementById("backtest-data");
  if (!box || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var names = data.periods.map(function (p) { return p.period; });
  function line(name, pick) {
    return { name: name, type: "line", data: data.periods.map(pick) };
  }
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
    xAxis: { type: "category", data: names },
    yAxis: { type: "value" },
    series: [
      { name: "Closed won", type: "bar", data: data.periods.map(function (p) { return p.actual; }) },
      line("Stage defaults", function (p) { return p.points[0].forecasts.stage_defaults; }),
      line("Commit", function (p) { return p.points[0].forecasts.commit; }),
      line("Calibrated", function (p) { return p.points[0].forecasts.calibrated; }),
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
