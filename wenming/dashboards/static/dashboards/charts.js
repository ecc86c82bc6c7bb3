/* Draw a node's dashboard with ECharts (served from our own static files).
   drawDashboard(data, dark): data is the JSON of /api/v1/dashboards/<id>. Charts are
   drawn into the elements that exist on the page; calling it again redraws in place.
   The map is a scatter on longitude/latitude axes: no tiles, nothing from outside. */
(function () {
  "use strict";
  var charts = {};
  function num(v) { return v === null || v === undefined ? null : parseFloat(v); }
  function months(data) { return data.trend_labels; }
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
      var pie = Object.keys(data.projects).map(function (k) { return {name: names[k] || k, value: num(data.projects[k])}; })
        .filter(function (p) { return p.value > 0; });  /* zero slices would be drawn as equal ones */
      c.setOption({backgroundColor: "transparent", tooltip: {trigger: "item"},
        title: {show: !pie.length, text: "暂无项目", left: "center", top: "middle",
                textStyle: {fontSize: 14, fontWeight: "normal", color: dark ? "#9fb3d1" : "#999"}},
        series: [{name: "项目", type: "pie", radius: ["35%", "65%"], data: pie,
                  label: {overflow: "none"}}]}, true);
    }
    if (data.hotline && (c = chart("chart-hotline", dark))) {
      c.setOption(merge(base, {xAxis: {type: "category", data: x}, yAxis: {type: "value", name: "次"},
        series: [{name: "来电（约数）", type: "bar", data: data.hotline.trend}]}));
    }
    if ((c = chart("chart-children", dark)) && data.children.length) {
      var top = data.children.slice(0, 20).reverse();
      c.setOption(merge(base, {grid: {left: 160, right: 24, top: 16, bottom: 24}, tooltip: {trigger: "axis"},
        xAxis: {type: "value"}, yAxis: {type: "category", data: top.map(function (r) { return r.name; })},
        series: [{name: "服务时长", type: "bar", data: top.map(function (r) { return num(r.hours); })}]}));
    }
    if ((c = chart("chart-map", dark)) && data.map && data.map.length) {
      var pts = data.map, lons = pts.map(function (p) { return p.lon; }), lats = pts.map(function (p) { return p.lat; });
      var most = Math.max.apply(null, pts.map(function (p) { return num(p.hours) || 0; }).concat([1]));
      var pad = function (lo, hi) { var d = Math.max((hi - lo) * 0.08, 0.01); return [lo - d, hi + d]; };
      var x = pad(Math.min.apply(null, lons), Math.max.apply(null, lons)), y = pad(Math.min.apply(null, lats), Math.max.apply(null, lats));
      var ink = dark ? "#e8eef8" : "#333";
      c.setOption({backgroundColor: "transparent", grid: {left: 8, right: 8, top: 8, bottom: 8},
        tooltip: {trigger: "item", formatter: function (p) { var d = p.data.point;
          return d.name + "（" + d.kind_name + "）<br>服务时长 " + num(d.hours) + " 小时<br>在册志愿者 " + d.volunteers + " 人"; }},
        xAxis: {type: "value", min: x[0], max: x[1], show: false}, yAxis: {type: "value", min: y[0], max: y[1], show: false},
        series: [{type: "scatter", data: pts.map(function (p) { return {value: [p.lon, p.lat], point: p}; }),
          symbolSize: function (v, p) { return 8 + 28 * Math.sqrt((num(p.data.point.hours) || 0) / most); },
          itemStyle: {color: dark ? "#ffd666" : "#c0392b", opacity: 0.75},
          label: {show: pts.length <= 30, position: "right", color: ink, fontSize: 11,
                  formatter: function (p) { return p.data.point.name.replace(/新时代文明实践(中心|所|站|点)$/, ""); }}}]});
    }
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  };
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (id) { charts[id].resize(); }); });
})();
