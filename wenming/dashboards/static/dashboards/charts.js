/* Draw a node's dashboard with ECharts (served from our own static files).
   drawDashboard(data, dark): data is the JSON of /api/v1/dashboards/<id>. Charts are
   drawn into the elements that exist on the page; calling it again redraws in place. */
(function () {
  "use strict";
  var charts = {};
  function num(v) { return v === null || v === undefined ? null : parseFloat(v); }
  function months(data) { return data.months.map(function (m) { return String(m).slice(0, 7); }); }
  function chart(id, dark) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    if (!charts[id]) { charts[id] = echarts.init(el, dark ? "dark" : null, {renderer: "canvas"}); }
    return charts[id];
  }
  var base = {textStyle: {fontFamily: "sans-serif"}, grid: {left: 48, right: 16, top: 32, bottom: 32},
              tooltip: {trigger: "axis"}, backgroundColor: "transparent"};
  function merge(a, b) { var o = {}, k; for (k in a) { o[k] = a[k]; } for (k in b) { o[k] = b[k]; } return o; }

  window.drawDashboard = function (data, dark) {
    var x = months(data), c;
    if ((c = chart("chart-hours", dark))) {
      c.setOption(merge(base, {xAxis: {type: "category", data: x}, yAxis: {type: "value", name: "小时"},
        series: [{name: "服务时长", type: "line", smooth: true, areaStyle: {}, data: data.hours.trend.map(num)}]}));
    }
    if ((c = chart("chart-demands", dark))) {
      c.setOption(merge(base, {legend: {data: ["提交", "办结"]}, xAxis: {type: "category", data: x},
        yAxis: {type: "value", name: "件"},
        series: [{name: "提交", type: "bar", data: data.demands.submitted_trend.map(num)},
                 {name: "办结", type: "bar", data: data.demands.solved_trend.map(num)}]}));
    }
    if ((c = chart("chart-projects", dark))) {
      var names = {draft: "草稿", published: "已发布", claimed: "已认领", recruiting: "招募中", ongoing: "进行中",
                   finished: "已结束", cancelled: "已取消"};
      var pie = Object.keys(data.projects).map(function (k) { return {name: names[k] || k, value: num(data.projects[k])}; });
      c.setOption({backgroundColor: "transparent", tooltip: {trigger: "item"},
        series: [{name: "项目", type: "pie", radius: ["35%", "65%"], data: pie}]});
    }
    if (data.hotline && (c = chart("chart-hotline", dark))) {
      c.setOption(merge(base, {xAxis: {type: "category", data: x}, yAxis: {type: "value", name: "次"},
        series: [{name: "来电（约数）", type: "bar", data: data.hotline.trend}]}));
    }
    if ((c = chart("chart-children", dark)) && data.children.length) {
      var top = data.children.slice(0, 20).reverse();
      c.setOption(merge(base, {grid: {left: 160, right: 24, top: 16, bottom: 24}, tooltip: {trigger: "axis"},
        xAxis: {type: "value", name: "小时"}, yAxis: {type: "category", data: top.map(function (r) { return r.name; })},
        series: [{name: "服务时长", type: "bar", data: top.map(function (r) { return num(r.hours); })}]}));
    }
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  };
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (id) { charts[id].resize(); }); });
})();
