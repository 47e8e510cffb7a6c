// The forecast page's chart: closed won, commit forecast and best case forecast week by week
// (forecast/trend/ answers them as JSON), against the quota as a flat line.
(function () {
  "use strict";
  var box = document.getElementById("forecast-chart");
  if (!box || typeof echarts === "undefined") return;

  function money(value) {
    return Number(value).toLocaleString(undefined, { maximumFractionDigits: 0 }) + " " + box.dataset.currency;
  }

  fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("The chart's figures could not be read (" + response.status + ").");
      return response.json();
    })
    .then(function (data) {
      if (!data.weeks.length) {
        box.textContent = "The period has not started: no weeks to show yet.";
        return;
      }
      var days = data.weeks.map(function (w) { return w.day; });
      function series(name, key) {
        return { name: name, type: "line", step: "end", data: data.weeks.map(function (w) { return Number(w[key]); }) };
      }
      var lines = [
        series("Closed won", "closed_won"),
        series("Commit forecast", "commit_forecast"),
        series("Best case forecast", "best_case_forecast"),
      ];
      lines[0].areaStyle = { opacity: 0.15 };
      if (box.dataset.quota) {
        var quota = Number(box.dataset.quota);
        lines.push({ name: "Quota", type: "line", symbol: "none", lineStyle: { type: "dashed" }, data: days.map(function () { return quota; }) });
      }
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: money },
        legend: { bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: days },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return Number(v).toLocaleString(); } } },
        series: lines,
      });
      window.addEventListener("resize", function () { chart.resize(); });
    })
    .catch(function (error) {
      box.textContent = error.message;
    });
})();
