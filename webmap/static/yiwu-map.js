/* Yiwu planning map helpers. Every attribute value is written with textContent, never as HTML. */
(function (global) {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function formatValue(value) {
    if (value === null || value === undefined || value === "") { return null; }
    if (typeof value === "number") {
      return Math.abs(value) >= 100 ? value.toLocaleString(undefined, {maximumFractionDigits: 1})
                                     : String(Math.round(value * 1000) / 1000);
    }
    return String(value);
  }

  /* Build the popup element of one feature: its fields, the plan clause and quote, accuracy, source. */
  function popup(props, opts) {
    var root = el("div", "yiwu-popup");
    root.appendChild(el("div", "yiwu-popup-title", props[opts.title_field] || props.name_zh || ""));
    if (props.accuracy === "schematic") {
      root.appendChild(el("div", "yiwu-badge yiwu-schematic", opts.labels.schematic_note));
    }
    var table = el("table", "yiwu-popup-table");
    opts.fields.forEach(function (field) {
      var names = (opts.labels.values || {})[field] || {};
      var raw = names[props[field]] || props[field];
      var text = field === "year" && raw ? String(raw) : formatValue(raw);  // 2025, not "2,025"
      if (text === null) { return; }
      var row = el("tr");
      row.appendChild(el("th", null, opts.labels.fields[field] || field));
      row.appendChild(el("td", null, text));
      table.appendChild(row);
    });
    root.appendChild(table);
    if (props.plan_ref) {
      var plan = el("div", "yiwu-popup-plan");
      plan.appendChild(el("span", "yiwu-clause", opts.labels.plan + " " + props.plan_ref));
      if (props.plan_quote) { plan.appendChild(el("q", null, props.plan_quote)); }
      root.appendChild(plan);
    }
    var meta = el("div", "yiwu-popup-meta");
    meta.appendChild(el("div", null, opts.labels.accuracy + ": " + (opts.labels.accuracies[props.accuracy] || props.accuracy || "")));
    meta.appendChild(el("div", null, opts.labels.source + ": " + (props.source || "")));
    root.appendChild(meta);
    if (opts.downloads) { root.appendChild(downloadLinks(opts.downloads)); }
    return root;
  }

  function downloadLinks(downloads) {
    var box = el("div", "yiwu-popup-downloads", downloads.label + ": ");
    downloads.links.forEach(function (link, i) {
      var a = el("a", null, link.label);
      a.href = link.href;
      if (i > 0) { box.appendChild(document.createTextNode(" · ")); }
      box.appendChild(a);
    });
    return box;
  }

  function bindPopups(layerGroup, opts) {
    layerGroup.eachLayer(function (layer) {
      var props = (layer.feature && layer.feature.properties) || {};
      layer.bindPopup(function () { return popup(props, opts); }, {maxWidth: 380});
      layer.bindTooltip(function () { return el("span", null, props[opts.title_field] || props.name_zh || ""); },
                        {sticky: true});
    });
  }

  function swatch(entry) {
    var box = el("span", "yiwu-swatch yiwu-swatch-" + entry.geometry);
    box.style.borderColor = entry.color;
    box.style.background = entry.geometry === "line" ? entry.color : (entry.fill || "transparent");
    if (entry.dashed) { box.style.borderStyle = "dashed"; }
    return box;
  }

  /* A legend control listing each layer with its symbol; schematic layers are marked as such. */
  function legend(map, opts) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var root = el("div", "yiwu-legend leaflet-bar");
      root.appendChild(el("div", "yiwu-legend-title", opts.title));
      opts.entries.forEach(function (entry) {
        var row = el("div", "yiwu-legend-row");
        row.setAttribute("data-layer", entry.id);
        row.appendChild(swatch(entry));
        row.appendChild(el("span", null, entry.title));
        if (entry.schematic) { row.appendChild(el("span", "yiwu-badge yiwu-schematic", opts.schematic)); }
        (entry.classes || []).forEach(function (cls) {
          var sub = el("div", "yiwu-legend-row yiwu-legend-sub");
          sub.appendChild(swatch({geometry: entry.geometry, color: cls.color}));
          sub.appendChild(el("span", null, cls.title));
          row.appendChild(sub);
        });
        root.appendChild(row);
      });
      L.DomEvent.disableClickPropagation(root);
      return root;
    };
    control.addTo(map);
    map.on("layeradd layerremove", function () { syncLegend(map, control); });
    map.whenReady(function () { syncLegend(map, control); });
    return control;
  }

  /* Only the layers on the map have a legend row. */
  function syncLegend(map, control) {
    var rows = control.getContainer().querySelectorAll(".yiwu-legend-row[data-layer]");
    Array.prototype.forEach.call(rows, function (row) {
      var layer = (global.YiwuMap.layers || {})[row.getAttribute("data-layer")];
      row.style.display = layer && !map.hasLayer(layer) ? "none" : "";
    });
  }

  global.YiwuMap = {el: el, popup: popup, bindPopups: bindPopups, legend: legend};
})(window);

/* Vector overlays: style from the catalog options, popups and tooltips as text. */
(function (global) {
  "use strict";

  function styleFor(feature, style) {
    var props = feature.properties || {};
    var color = style.color || "#3388ff";
    if (style.class_field && style.classes && style.classes[props[style.class_field]]) {
      color = style.classes[props[style.class_field]];
    }
    var out = {color: color, weight: style.weight || 2, opacity: 0.9,
               fillColor: style.fill_color || color, fillOpacity: style.fill_opacity === undefined ? 0.3 : style.fill_opacity};
    if (style.dash_array) { out.dashArray = style.dash_array; }
    if (props.status === "planned") { out.dashArray = "6 5"; }
    if (style.radius) { out.radius = style.radius; }
    if (style.className) { out.className = style.className; }
    return out;
  }

  /* Every overlay is registered under its catalog id (search, permalink and tests find it there). */
  function geojsonLayer(opts) {
    var style = L.extend({className: "yiwu-f yiwu-f-" + opts.id}, opts.style);
    var layer = L.geoJSON(null, {
      style: function (f) { return styleFor(f, style); },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, styleFor(f, style)); },
      onEachFeature: function (f, layer) {
        var props = f.properties || {};
        layer.bindPopup(function () { return global.YiwuMap.popup(props, opts.popup); }, {maxWidth: 380});
        layer.bindTooltip(function () {
          var span = document.createElement("span");
          span.textContent = String(props[opts.popup.title_field] || props.name_zh || "");
          return span;
        }, {sticky: true});
      }
    });
    layer.yiwuOptions = opts;
    global.YiwuMap.layers[opts.id] = layer;
    return layer;
  }

  /* Fetch a layer's features from the data API; `lazy`: only when it is first switched on. */
  function load(layer, url, lazy) {
    if (lazy) {
      layer.once("add", function () { load(layer, url, false); });
      return null;
    }
    global.YiwuMap.pending += 1;
    return fetch(url, {headers: {Accept: "application/geo+json"}})
      .then(function (r) { if (!r.ok) { throw new Error(url + ": HTTP " + r.status); } return r.json(); })
      .then(function (data) { layer.addData(data); layer.yiwuLoaded = true; layer.fire("yiwu:loaded"); })
      .catch(function (err) { console.error("layer not loaded", err); })
      .then(function () { global.YiwuMap.pending -= 1; });
  }

  global.YiwuMap.layers = {};
  global.YiwuMap.pending = 0;
  global.YiwuMap.geojsonLayer = geojsonLayer;
  global.YiwuMap.load = load;
})(window);

/* Basemaps: the offline one (the boundary overlays are the base; nothing is fetched) and online tiles.
   While a GCJ-02 basemap (AMap) is on, the map projects through WGS84 -> GCJ-02 so the WGS84 overlays,
   drawings and coordinates stay WGS84 and line up with the shifted tiles. */
(function (global) {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function transformLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
  }

  function transformLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
  }

  /* Same formula as geo/crs.py wgs84_to_gcj02 (no offset outside China's rectangle). */
  function toGcj02(lat, lng) {
    if (lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271) { return [lat, lng]; }
    var dlat = transformLat(lng - 105, lat - 35), dlng = transformLon(lng - 105, lat - 35);
    var rad = lat / 180 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dlat = (dlat * 180) / ((A * (1 - EE)) / (magic * sq) * PI);
    dlng = (dlng * 180) / (A / sq * Math.cos(rad) * PI);
    return [lat + dlat, lng + dlng];
  }

  function fromGcj02(lat, lng) {
    var wlat = lat, wlng = lng;
    for (var i = 0; i < 8; i++) {
      var g = toGcj02(wlat, wlng);
      wlat -= g[0] - lat;
      wlng -= g[1] - lng;
    }
    return [wlat, wlng];
  }

  var merc = L.Projection.SphericalMercator;
  var GCJ02_CRS = L.extend({}, L.CRS.EPSG3857, {
    code: "GCJ02-3857",
    projection: {
      bounds: merc.bounds,
      project: function (ll) { var g = toGcj02(ll.lat, ll.lng); return merc.project(L.latLng(g[0], g[1])); },
      unproject: function (p) { var ll = merc.unproject(p), w = fromGcj02(ll.lat, ll.lng); return L.latLng(w[0], w[1]); }
    }
  });

  function setCrs(map, crs) {
    if (map.options.crs === crs) { return; }
    var center = map.getCenter(), zoom = map.getZoom();
    map.options.crs = crs;
    map._resetView(center, zoom);  // re-projects every layer through the new CRS
  }

  function tiles(choice) {
    var opts = {maxZoom: choice.max_zoom, attribution: choice.attribution, subdomains: choice.subdomains || "abc"};
    var layer = choice.labels_url ? L.layerGroup([L.tileLayer(choice.url, opts), L.tileLayer(choice.labels_url, opts)])
                                  : L.tileLayer(choice.url, opts);
    layer.yiwuGcj02 = !!choice.gcj02;
    return layer;
  }

  function basemaps(map, choices) {
    var out = {};
    choices.forEach(function (choice, i) {
      var layer = choice.url ? tiles(choice) : L.layerGroup();
      layer.yiwuBasemap = choice.id;
      out[choice.title] = layer;
      if (i === 0) { layer.addTo(map); }
    });
    map.on("baselayerchange", function (ev) { setCrs(map, ev.layer.yiwuGcj02 ? GCJ02_CRS : L.CRS.EPSG3857); });
    return out;
  }

  global.YiwuMap.basemaps = basemaps;
  global.YiwuMap.toGcj02 = toGcj02;
  global.YiwuMap.fromGcj02 = fromGcj02;
  global.YiwuMap.GCJ02_CRS = GCJ02_CRS;
})(window);
