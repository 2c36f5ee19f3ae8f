/* Jingzhun: the little script the pages need (navigation toggle, language switch, charts). */
(function () {
  "use strict";

  // Collapsible navigation on narrow screens.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".nav-toggle");
    if (!toggle) return;
    var panel = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = panel.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // After htmx navigation the page's URL changed: the language switch returns to the current one.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.lang-switch")) return;
    var next = form.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
  });

  // Live search: leave empty filters out of the request (and so out of the pushed URL).
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb !== "get" || !detail.elt.closest || !detail.elt.closest("form.filters")) return;
    var data = detail.formData;
    if (!data || !data.delete) return;
    Array.from(data.entries()).forEach(function (entry) {
      if (entry[1] === "") data.delete(entry[0]);
    });
  });

  // ECharts is large: load the local copy only on pages that have a chart.
  var echartsLoading = null;
  function loadEcharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = document.body.getAttribute("data-echarts-src");
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return echartsLoading;
  }

  function incomeChart(el, echarts) {
    var data = JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
    var labels = JSON.parse(document.getElementById(el.getAttribute("data-labels")).textContent);
    el.innerHTML = "";  // a page restored from htmx's history cache keeps the old drawing
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "–" : v.toLocaleString() + " " + labels.unit; } },
      legend: { top: 0, data: [labels.income, labels.line] },
      xAxis: { type: "category", data: data.years.map(String), boundaryGap: false },
      yAxis: { type: "value", name: labels.unit, nameTextStyle: { align: "right" }, splitLine: { lineStyle: { color: "#eceff2" } } },
      series: [
        { name: labels.income, type: "line", data: data.income, symbolSize: 7, itemStyle: { color: "#1a5aa6" },
          lineStyle: { width: 2.5 } },
        { name: labels.line, type: "line", data: data.line, symbolSize: 5, connectNulls: true,
          itemStyle: { color: "#a3141b" }, lineStyle: { type: "dashed", width: 2 } }
      ]
    });
  }

  function initCharts(root) {
    var els = (root || document).querySelectorAll("[data-chart]");
    if (!els.length) return;
    loadEcharts().then(function (echarts) {
      els.forEach(function (el) {
        if (echarts.getInstanceByDom(el)) return;
        if (el.getAttribute("data-chart") === "income") incomeChart(el, echarts);
      });
    });
  }

  function disposeCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:beforeSwap", function (event) { disposeCharts(event.detail.target); });
  document.addEventListener("htmx:afterSettle", function (event) { initCharts(event.detail.target); });
  document.addEventListener("htmx:historyRestore", function () { initCharts(document); });
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
