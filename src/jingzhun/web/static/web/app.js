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

  // Live search (and the measures' form): leave empty filters out of the request (and so out of the pushed URL).
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb !== "get" || !detail.elt.closest || !detail.elt.closest("form.filters, form.analytics-form")) return;
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

  // Poverty measures (/analytics/): values formatted by their kind (share, index, money, count).
  function formatValue(v, kind) {
    if (v == null) return "–";
    if (kind === "share") return (v * 100).toFixed(1) + "%";
    if (kind === "money") return v.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    if (kind === "count") return Math.round(v).toLocaleString();
    return v.toFixed(4);
  }

  function axisValue(v, kind) {
    if (kind === "share") return Math.round(v * 1000) / 10 + "%";
    return kind === "money" || kind === "count" ? v.toLocaleString() : String(Math.round(v * 10000) / 10000);
  }

  function chartData(el) {
    return JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
  }

  // Drill down from a chart like a link of the page: an htmx swap of <main>, with the URL pushed.
  function drillDown(el, url) {
    if (window.htmx) {
      window.htmx.ajax("GET", url, { source: el, target: "#main", swap: "innerHTML", push: url });
    } else {
      window.location.href = url;
    }
  }

  var PALETTE = ["#a3141b", "#1a5aa6", "#d08a00", "#1f7a3a", "#6b4fa0", "#0f8a8a", "#8a5a44", "#c2477a", "#5d6874", "#94a63b"];

  function rankChart(el, echarts) {
    var data = chartData(el).rank;
    el.innerHTML = "";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 64, top: 30, bottom: 8, containLabel: true },
      title: { text: data.label, left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 600, color: "#39424c" } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return formatValue(v, data.kind); } },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return axisValue(v, data.kind); } },
               splitLine: { lineStyle: { color: "#eceff2" } } },
      yAxis: { type: "category", inverse: true, data: data.names, axisTick: { show: false } },
      series: [{
        type: "bar", name: data.label, data: data.values, barMaxWidth: 18, itemStyle: { color: "#a3141b" },
        cursor: data.urls.some(Boolean) ? "pointer" : "default",
        label: { show: true, position: "right", formatter: function (p) { return formatValue(p.value, data.kind); } }
      }]
    });
    chart.on("click", function (params) {
      var url = data.urls[params.dataIndex];
      if (url) drillDown(el, url);
    });
  }

  function trendChart(el, echarts) {
    var data = chartData(el).trend;
    el.innerHTML = "";
    var chart = echarts.init(el, null, { renderer: "svg" });
    var kinds = {};
    data.series.forEach(function (s) { kinds[s.name] = s.kind; });
    chart.setOption({
      animation: false,
      color: PALETTE,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, data: data.series.map(function (s) { return s.name; }) },
      tooltip: { trigger: "axis", formatter: function (items) {
        return items[0].axisValue + "<br>" + items.map(function (p) {
          return p.marker + p.seriesName + ": " + formatValue(p.value, kinds[p.seriesName]);
        }).join("<br>");
      } },
      xAxis: { type: "category", data: data.years.map(String), boundaryGap: false },
      yAxis: { type: "value", splitLine: { lineStyle: { color: "#eceff2" } } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "line", data: s.values, symbolSize: 6, connectNulls: true, lineStyle: { width: 2 } };
      })
    });
  }

  function contribChart(el, echarts) {
    var data = chartData(el).contrib;
    el.innerHTML = "";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: PALETTE,
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, data: data.series.map(function (s) { return s.name; }) },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return formatValue(v, "share"); } },
      xAxis: { type: "value", max: 1, axisLabel: { formatter: function (v) { return axisValue(v, "share"); } },
               splitLine: { lineStyle: { color: "#eceff2" } } },
      yAxis: { type: "category", inverse: true, data: data.names, axisTick: { show: false } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "contribution", data: s.values, barMaxWidth: 18 };
      })
    });
  }

  var CHARTS = { income: incomeChart, rank: rankChart, trend: trendChart, contrib: contribChart };

  function initCharts(root) {
    var els = (root || document).querySelectorAll("[data-chart]");
    if (!els.length) return;
    loadEcharts().then(function (echarts) {
      els.forEach(function (el) {
        if (echarts.getInstanceByDom(el)) return;
        var draw = CHARTS[el.getAttribute("data-chart")];
        if (draw) draw(el, echarts);
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
  // An outerHTML swap settles the new elements (event.target), while detail.target is the element replaced.
  document.addEventListener("htmx:afterSettle", function (event) {
    initCharts(event.target && event.target.isConnected ? event.target : event.detail.target);
  });
  document.addEventListener("htmx:historyRestore", function () { initCharts(document); });
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
