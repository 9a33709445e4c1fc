/* Analysis panels of the audience maps (planner site check, investor parks, logistics corridor metrics).
   Data comes from the analysis API; every value is written with textContent, never as HTML. */
(function (global) {
  "use strict";

  var el = global.YiwuMap.el;  // element with text set by textContent (static/yiwu-map.js, loaded first)

  function append(parent, children) {
    children.forEach(function (child) { if (child) { parent.appendChild(child); } });
    return parent;
  }

  function fmt(value) {
    return value === null || value === undefined || value === "" ? "–" : String(value);
  }

  function nameOf(item, lang) {
    return lang === "en" ? (item.name_en || item.name_zh || "") : (item.name_zh || item.name_en || "");
  }

  /* JSON from the API; a failed request rejects with the API's error description. */
  function fetchJSON(url, init) {
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { throw new Error(data.description || ("HTTP " + r.status)); }
        return data;
      });
    });
  }

  /* A table of [label, value] rows; `field` (optional third item) goes to the row's data-field. */
  function table(rows, className) {
    var t = el("table", "yiwu-a-table" + (className ? " " + className : ""));
    rows.forEach(function (row) {
      if (!row) { return; }
      var tr = el("tr");
      if (row[2]) { tr.setAttribute("data-field", row[2]); }
      append(tr, [el("th", null, row[0]), el("td", null, fmt(row[1]))]);
      t.appendChild(tr);
    });
    return t;
  }

  /* A table with a header row and rows of cells. */
  function grid(headers, rows, className) {
    var t = el("table", "yiwu-a-table yiwu-a-grid" + (className ? " " + className : ""));
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c) { tr.appendChild(el("td", null, fmt(c))); });
      t.appendChild(tr);
    });
    return t;
  }

  /* The side panel beside the map (the map narrows while it is open). */
  function sidePanel(map, title, labels, className) {
    var root = el("aside", "yiwu-panel " + className);
    var head = el("div", "yiwu-panel-head");
    var toggle = el("button", "yiwu-panel-toggle", labels.hide);
    toggle.type = "button";
    var body = el("div", "yiwu-panel-body");
    append(head, [el("h2", null, title), toggle]);
    append(root, [head, body]);
    document.body.appendChild(root);
    document.body.classList.add("yiwu-panel-open");
    toggle.addEventListener("click", function () {
      var collapsed = root.classList.toggle("yiwu-panel-collapsed");
      document.body.classList.toggle("yiwu-panel-collapsed", collapsed);
      toggle.textContent = collapsed ? labels.show : labels.hide;
      map.invalidateSize();
    });
    map.invalidateSize();
    return body;
  }

  function section(title, className) {
    var box = el("section", "yiwu-a-section" + (className ? " " + className : ""));
    box.appendChild(el("h3", null, title));
    return box;
  }

  global.YiwuAnalysis = {el: el, append: append, fmt: fmt, nameOf: nameOf, fetchJSON: fetchJSON, table: table,
                         grid: grid, sidePanel: sidePanel, section: section};
})(window);

/* Planner: draw a polygon or upload a GeoJSON file -> POST /analysis/site -> the report in the side panel. */
(function (global) {
  "use strict";
  var A = global.YiwuAnalysis;

  function zonesSection(report, opts) {
    var L_ = opts.labels, box = A.section(L_.zones, "yiwu-site-zones");
    if (!report.zones.length) { box.appendChild(A.el("p", null, L_.no_zones)); return box; }
    var rows = report.zones.map(function (z) {
      return [A.nameOf(z, opts.lang), z.overlap_km2, z.overlap_pct, z.plan_ref, opts.accuracies[z.accuracy] || z.accuracy];
    });
    box.appendChild(A.grid([L_.name, L_.overlap_km2, L_.overlap_pct, L_.plan_ref, L_.accuracy], rows));
    return box;
  }

  function hubsSection(report, opts) {
    var L_ = opts.labels, box = A.section(L_.hubs, "yiwu-site-hubs");
    var status = opts.values.status || {};
    var rows = report.hubs.map(function (h) {
      return [A.nameOf(h, opts.lang), (L_.port_types || {})[h.port_type] || h.port_type, status[h.status] || h.status,
              h.distance_km];
    });
    box.appendChild(A.grid([L_.name, L_.port_type, L_.status, L_.distance_km], rows));
    return box;
  }

  function summary(report, opts) {
    var L_ = opts.labels, c = report.nearest_corridor;
    return A.table([
      [L_.area, report.area_km2, "area_km2"],
      [L_.inside_yiwu, report.inside_yiwu ? L_.yes : L_.no, "inside_yiwu"],
      c ? [L_.nearest_corridor, A.nameOf(c, opts.lang) + " · " + c.distance_km + " km", "nearest_corridor"] : null,
      [L_.plan_clauses, (report.plan_clauses || []).join(" · "), "plan_clauses"],
      report.note ? [L_.note, report.note, "note"] : null
    ], "yiwu-site-summary");
  }

  /* The printable report is a POST: a window opened on the click, written when the HTML arrives. */
  function printButton(body, opts) {
    var button = A.el("button", "yiwu-site-print", opts.labels.print);
    button.type = "button";
    button.addEventListener("click", function () {
      var win = global.open("", "_blank");
      fetch(opts.urls.site + "?f=html&lang=" + encodeURIComponent(opts.lang),
            {method: "POST", headers: {"Content-Type": "application/json"}, body: body})
        .then(function (r) { return r.text(); })
        .then(function (html) { if (win) { win.document.open(); win.document.write(html); win.document.close(); } });
    });
    return button;
  }

  function renderReport(target, report, body, opts) {
    target.textContent = "";
    A.append(target, [summary(report, opts), zonesSection(report, opts), hubsSection(report, opts),
                      printButton(body, opts)]);
    target.setAttribute("data-state", "done");
  }

  function showError(target, message, opts) {
    target.textContent = "";
    target.appendChild(A.el("div", "yiwu-a-error", opts.labels.error + ": " + message));
    target.setAttribute("data-state", "error");
  }

  function analyse(target, body, opts) {
    target.textContent = "";
    target.appendChild(A.el("p", "yiwu-a-loading", opts.labels.loading));
    target.setAttribute("data-state", "loading");
    return A.fetchJSON(opts.urls.site, {method: "POST", headers: {"Content-Type": "application/json"}, body: body})
      .then(function (report) { renderReport(target, report, body, opts); })
      .catch(function (err) { showError(target, err.message, opts); });
  }

  function showUpload(map, state, data) {
    if (state.uploaded) { map.removeLayer(state.uploaded); }
    try {
      state.uploaded = L.geoJSON(data, {style: {color: "#e8590c", weight: 3, fillOpacity: 0.15}}).addTo(map);
      var bounds = state.uploaded.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 14, animate: false}); }
    } catch (err) {
      state.uploaded = null;  // not drawable: the API says why
    }
  }

  function uploadInput(map, target, opts, state) {
    var label = A.el("label", "yiwu-site-upload");
    var input = A.el("input");
    input.type = "file";
    input.accept = ".geojson,.json,application/geo+json,application/json";
    A.append(label, [A.el("span", null, opts.labels.upload + " "), input]);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      file.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (err) { showError(target, opts.labels.bad_file, opts); return; }
        showUpload(map, state, data);
        analyse(target, text, opts);
      });
      input.value = "";
    });
    return label;
  }

  function sitePanel(map, opts) {
    var body = A.sidePanel(map, opts.labels.site_title, opts.labels, "yiwu-site-panel");
    var target = A.el("div", "yiwu-site-report"), state = {};
    A.append(body, [A.el("p", "yiwu-a-hint", opts.labels.site_hint), uploadInput(map, target, opts, state), target]);
    map.on("pm:create", function (ev) {
      if (!(ev.layer instanceof L.Polygon)) { return; }
      var run = function () { analyse(target, JSON.stringify(ev.layer.toGeoJSON()), opts); };
      ev.layer.on("pm:edit", run);
      run();
    });
    global.YiwuAnalysis.analyseSite = function (geojson) { return analyse(target, JSON.stringify(geojson), opts); };
  }

  A.sitePanel = sitePanel;
})(window);

/* Investor: park cards (GET /parks), an industry filter that also highlights the parks on the map, and a
   side-by-side comparison of the ticked parks (GET /parks/compare). */
(function (global) {
  "use strict";
  var A = global.YiwuAnalysis;
  var HUBS = ["airport", "rail_port", "land_port", "sea_port"];
  var HIGHLIGHT = {color: "#e8590c", weight: 5};

  function industriesOf(park, lang) {
    return String(park[lang === "en" ? "industries_en" : "industries_zh"] || "")
      .split(/\s*[、,，;；]\s*/).filter(Boolean);
  }

  function zonesText(park, lang) {
    return (park.zones || []).map(function (z) { return A.nameOf(z, lang) + " " + z.overlap_pct + "%"; }).join("; ");
  }

  /* Rows shared by the cards and the comparison: [label, value of a park, field]. */
  function parkRows(opts) {
    var L_ = opts.labels, lang = opts.lang;
    var rows = [
      [L_.industries, function (p) { return industriesOf(p, lang).join(lang === "en" ? ", " : "、"); }, "industries"],
      [L_.target_output, function (p) { return p.target_output_2025_yi_yuan; }, "target_output_2025_yi_yuan"],
      [L_.target_semiconductor, function (p) { return p.target_semiconductor_2025_yi_yuan; },
       "target_semiconductor_2025_yi_yuan"],
      [L_.area, function (p) { return p.area_km2; }, "area_km2"]
    ];
    HUBS.forEach(function (hub) {
      rows.push([L_.distances + " · " + L_.hub_names[hub], function (p) { return p.distance_km[hub]; },
                 "distance_km." + hub]);
    });
    rows.push([L_.zones, function (p) { return zonesText(p, lang); }, "zones"]);
    rows.push([L_.plan_ref, function (p) { return p.plan_ref; }, "plan_ref"]);
    return rows;
  }

  /* Every map feature of a park (by feature id), across the layers of the page. */
  function parkFeatures(id) {
    var out = [];
    Object.keys(global.YiwuMap.layers).forEach(function (lid) {
      var group = global.YiwuMap.layers[lid];
      group.eachLayer(function (f) { if (f.feature && f.feature.id === id) { out.push({group: group, layer: f}); } });
    });
    return out;
  }

  function highlight(parks, matching) {
    parks.forEach(function (park) {
      var on = matching.indexOf(park.id) >= 0;
      parkFeatures(park.id).forEach(function (hit) {
        if (hit.group.resetStyle) { hit.group.resetStyle(hit.layer); }
        if (on && hit.layer.setStyle) { hit.layer.setStyle(HIGHLIGHT); }
        var node = hit.layer.getElement && hit.layer.getElement();
        if (node) { node.classList.toggle("yiwu-highlight", on); }
        hit.layer.yiwuHighlighted = on;
      });
    });
  }

  function showPark(map, id) {
    var hit = parkFeatures(id)[0];
    if (!hit) { return; }
    if (!map.hasLayer(hit.group)) { map.addLayer(hit.group); }
    if (hit.layer.getBounds) { map.fitBounds(hit.layer.getBounds(), {maxZoom: 13, animate: false}); }
  }

  function card(map, park, opts, onTick) {
    var box = A.el("article", "yiwu-park-card");
    box.setAttribute("data-park", park.id);
    var title = A.el("button", "yiwu-park-title", A.nameOf(park, opts.lang));
    title.type = "button";
    title.title = opts.labels.show_on_map;
    title.addEventListener("click", function () { showPark(map, park.id); });
    var rows = parkRows(opts).map(function (r) { return [r[0], r[1](park), r[2]]; });
    var tick = A.el("label", "yiwu-park-tick"), tickBox = A.el("input");
    tickBox.type = "checkbox";
    tickBox.value = park.id;
    tickBox.addEventListener("change", onTick);
    A.append(tick, [tickBox, A.el("span", null, " " + opts.labels.compare)]);
    return A.append(box, [title, A.table(rows), tick]);
  }

  function industryFilter(parks, opts, onChange) {
    var select = A.el("select", "yiwu-park-filter"), seen = {};
    select.setAttribute("aria-label", opts.labels.industry);
    var all = A.el("option", null, opts.labels.all_industries);
    all.value = "";
    select.appendChild(all);
    parks.forEach(function (p) {
      industriesOf(p, opts.lang).forEach(function (name) {
        if (seen[name]) { return; }
        seen[name] = true;
        var option = A.el("option", null, name);
        option.value = name;
        select.appendChild(option);
      });
    });
    select.addEventListener("change", function () { onChange(select.value); });
    var label = A.el("label", "yiwu-park-filter-label");
    return A.append(label, [A.el("span", null, opts.labels.industry + " "), select]);
  }

  function applyFilter(cards, parks, industry, opts) {
    var matching = parks.filter(function (p) { return industry && industriesOf(p, opts.lang).indexOf(industry) >= 0; })
      .map(function (p) { return p.id; });
    Array.prototype.forEach.call(cards.children, function (node) {
      node.hidden = !!industry && matching.indexOf(node.getAttribute("data-park")) < 0;
    });
    highlight(parks, matching);
  }

  function compareTable(parks, opts) {
    var headers = [""].concat(parks.map(function (p) { return A.nameOf(p, opts.lang); }));
    var t = A.grid(headers, [], "yiwu-compare-table");
    parkRows(opts).forEach(function (r) {
      var tr = A.el("tr");
      tr.setAttribute("data-field", r[2]);
      tr.appendChild(A.el("th", null, r[0]));
      parks.forEach(function (p) {
        var td = A.el("td", null, A.fmt(r[1](p)));
        td.setAttribute("data-park", p.id);
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    return t;
  }

  function compare(target, ids, opts) {
    target.textContent = "";
    target.appendChild(A.el("p", "yiwu-a-loading", opts.labels.loading));
    return A.fetchJSON(opts.urls.compare + "?ids=" + ids.map(encodeURIComponent).join(","))
      .then(function (data) {
        target.textContent = "";
        A.append(target, [A.el("h3", null, opts.labels.compare_title), compareTable(data.parks, opts)]);
        if (target.scrollIntoView) { target.scrollIntoView({block: "nearest"}); }
      })
      .catch(function (err) {
        target.textContent = "";
        target.appendChild(A.el("div", "yiwu-a-error", opts.labels.error + ": " + err.message));
      });
  }

  function compareControls(cards, opts) {
    var box = A.el("div", "yiwu-compare"), result = A.el("div", "yiwu-compare-result");
    var button = A.el("button", "yiwu-compare-button", opts.labels.compare);
    button.type = "button";
    button.disabled = true;
    function ticked() {
      return Array.prototype.map.call(cards.querySelectorAll("input[type=checkbox]:checked"),
                                      function (i) { return i.value; });
    }
    button.addEventListener("click", function () { compare(result, ticked(), opts); });
    A.append(box, [A.el("p", "yiwu-a-hint", opts.labels.compare_pick), button, result]);
    return {node: box, update: function () { button.disabled = ticked().length < 2; }};
  }

  function renderParks(map, body, parks, opts) {
    var cards = A.el("div", "yiwu-park-cards"), controls = compareControls(cards, opts);
    parks.forEach(function (p) { cards.appendChild(card(map, p, opts, controls.update)); });
    var filter = industryFilter(parks, opts, function (industry) { applyFilter(cards, parks, industry, opts); });
    A.append(body, [filter, cards, controls.node]);
    body.setAttribute("data-state", "done");
  }

  function parksPanel(map, opts) {
    var body = A.sidePanel(map, opts.labels.parks_title, opts.labels, "yiwu-parks-panel");
    A.fetchJSON(opts.urls.parks)
      .then(function (data) { renderParks(map, body, data.parks, opts); })
      .catch(function (err) {
        body.appendChild(A.el("div", "yiwu-a-error", opts.labels.error + ": " + err.message));
        body.setAttribute("data-state", "error");
      });
  }

  A.parksPanel = parksPanel;
})(window);

/* Logistics: the corridor popup gains the metrics of GET /corridors/{id}/metrics (fetched when it first opens)
   and an elevation profile of the China part, drawn as a small inline SVG. */
(function (global) {
  "use strict";
  var A = global.YiwuAnalysis;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var W = 320, H = 120, PAD = {l: 44, r: 8, t: 8, b: 22};

  function svgNode(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }

  function scales(points) {
    var elev = points.map(function (p) { return p.elevation_m; });
    var lo = Math.min.apply(null, elev), hi = Math.max.apply(null, elev);
    var maxD = points[points.length - 1].distance_km || 1, span = hi - lo || 1;
    return {lo: lo, hi: hi, maxD: maxD,
            x: function (d) { return PAD.l + (W - PAD.l - PAD.r) * d / maxD; },
            y: function (e) { return H - PAD.b - (H - PAD.t - PAD.b) * (e - lo) / span; }};
  }

  function profileSvg(points, labels) {
    var s = scales(points);
    var svg = svgNode("svg", {"class": "yiwu-profile", viewBox: "0 0 " + W + " " + H, width: W, height: H,
                              role: "img", "aria-label": labels.profile});
    var coords = points.map(function (p) { return s.x(p.distance_km).toFixed(1) + "," + s.y(p.elevation_m).toFixed(1); });
    var base = s.y(s.lo).toFixed(1);
    svg.appendChild(svgNode("polygon", {"class": "yiwu-profile-area",
      points: PAD.l + "," + base + " " + coords.join(" ") + " " + s.x(s.maxD).toFixed(1) + "," + base}));
    svg.appendChild(svgNode("polyline", {"class": "yiwu-profile-line", points: coords.join(" ")}));
    svg.appendChild(svgNode("text", {x: PAD.l - 4, y: s.y(s.hi) + 4, "text-anchor": "end"}, Math.round(s.hi) + " m"));
    svg.appendChild(svgNode("text", {x: PAD.l - 4, y: s.y(s.lo), "text-anchor": "end"}, Math.round(s.lo) + " m"));
    svg.appendChild(svgNode("text", {x: PAD.l, y: H - 6}, "0"));
    svg.appendChild(svgNode("text", {x: W - PAD.r, y: H - 6, "text-anchor": "end"}, Math.round(s.maxD) + " km"));
    return svg;
  }

  function countriesList(m, lang) {
    var list = A.el("ol", "yiwu-metrics-countries");
    m.countries.forEach(function (c) {
      var item = A.el("li", null, A.nameOf(c, lang) + " · " + c.km + " km");
      item.setAttribute("data-iso3", c.iso3);
      list.appendChild(item);
    });
    return list;
  }

  function metricsRows(m, opts) {
    var L_ = opts.labels, diff = m.difference_km === null ? null
      : m.difference_km + " km (" + m.difference_pct + "%)";
    return [[L_.length, m.length_km, "length_km"], [L_.published_length, m.published_length_km, "published_length_km"],
            [L_.difference, diff, "difference"], [L_.border_crossing, m.border_crossing, "border_crossing"],
            [L_.transit_days, m.transit_days + " (" + L_.speed.replace("{speed}", m.speed_kmh) + ")", "transit_days"]];
  }

  function fillMetrics(box, m, opts) {
    box.textContent = "";
    A.append(box, [A.el("div", "yiwu-metrics-title", opts.labels.metrics), A.table(metricsRows(m, opts)),
                   A.el("div", "yiwu-metrics-sub", opts.labels.countries), countriesList(m, opts.lang)]);
    var points = m.elevation_profile || [];
    if (points.length > 1) {
      A.append(box, [A.el("div", "yiwu-metrics-sub", opts.labels.profile), profileSvg(points, opts.labels)]);
    }
    box.setAttribute("data-state", "done");
  }

  function attachMetrics(map, popup, feature, opts) {
    var root = popup.getElement() && popup.getElement().querySelector(".yiwu-popup");
    if (!root || !feature || root.querySelector(".yiwu-metrics")) { return; }
    popup.options.maxHeight = Math.max(200, Math.min(460, map.getSize().y - 120));  // the long popup scrolls
    var box = A.el("div", "yiwu-metrics");
    box.appendChild(A.el("p", "yiwu-a-loading", opts.labels.loading));
    root.appendChild(box);
    popup.setContent(root);  // keeps the element (and the metrics) for the next opening
    A.fetchJSON(opts.urls.metrics.replace("{id}", encodeURIComponent(feature.id)))
      .then(function (m) { fillMetrics(box, m, opts); })
      .catch(function (err) {
        box.textContent = opts.labels.error + ": " + err.message;
        box.setAttribute("data-state", "error");
      })
      .then(function () { if (popup.isOpen()) { popup.update(); } });
  }

  function corridorMetrics(map, opts) {
    var group = global.YiwuMap.layers.corridors;
    if (!group) { return; }
    group.on("popupopen", function (ev) { attachMetrics(map, ev.popup, ev.layer && ev.layer.feature, opts); });
  }

  A.corridorMetrics = corridorMetrics;
})(window);
