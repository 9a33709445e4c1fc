/* Yiwu map tools: search, mouse coordinates, permalink, fullscreen, minimap, draw + measure + GeoJSON download.
   Labels come from the page (bilingual); feature names are written with textContent only. */
(function (global) {
  "use strict";

  if (global.L && L.PM) { L.PM.setOptIn(true); }  // our overlays stay out of the draw/edit tools

  var el = global.YiwuMap.el;  // element with text set by textContent (static/yiwu-map.js, loaded first)

  function control(map, position, build) {
    var ctl = L.control({position: position});
    ctl.onAdd = function () {
      var root = build();
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    };
    return ctl.addTo(map);
  }

  /* ---- search by feature name (zh or en) ---- */

  function featureIndex() {
    var out = [];
    Object.keys(global.YiwuMap.layers).forEach(function (id) {
      var group = global.YiwuMap.layers[id];
      group.eachLayer(function (f) {
        var p = (f.feature && f.feature.properties) || {};
        out.push({group: group, layer: f, zh: String(p.name_zh || ""), en: String(p.name_en || "")});
      });
    });
    return out;
  }

  function findFeatures(query, limit) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) { return []; }
    var hits = featureIndex().filter(function (e) {
      return e.zh.toLowerCase().indexOf(q) >= 0 || e.en.toLowerCase().indexOf(q) >= 0;
    });
    hits.sort(function (a, b) { return Math.min(a.zh.length, a.en.length || 1e9) - Math.min(b.zh.length, b.en.length || 1e9); });
    return hits.slice(0, limit || 8);
  }

  function showFeature(map, hit) {
    if (!map.hasLayer(hit.group)) { map.addLayer(hit.group); }
    var f = hit.layer;
    if (f.getBounds) {
      map.fitBounds(f.getBounds(), {maxZoom: 13, animate: false});
      f.openPopup(f.getBounds().getCenter());
    } else {
      map.setView(f.getLatLng(), Math.max(map.getZoom(), 11), {animate: false});
      f.openPopup();
    }
  }

  function searchControl(map, opts) {
    return control(map, "topleft", function () {
      var root = el("div", "yiwu-search leaflet-bar");
      var input = el("input");
      input.type = "search";
      input.placeholder = opts.labels.search;
      input.setAttribute("aria-label", opts.labels.search);
      var list = el("ul", "yiwu-search-results");
      root.appendChild(input);
      root.appendChild(list);
      function render() {
        list.textContent = "";
        var hits = findFeatures(input.value);
        if (input.value.trim() && !hits.length) { list.appendChild(el("li", "yiwu-search-none", opts.labels.no_match)); }
        hits.forEach(function (hit) {
          var item = el("li", "yiwu-search-hit", opts.lang === "en" ? (hit.en || hit.zh) : (hit.zh || hit.en));
          item.addEventListener("click", function () { list.textContent = ""; showFeature(map, hit); });
          list.appendChild(item);
        });
        return hits;
      }
      input.addEventListener("input", render);
      input.addEventListener("keydown", function (ev) {
        if (ev.key !== "Enter") { return; }
        var hits = render();
        if (hits.length) { list.textContent = ""; showFeature(map, hits[0]); }
      });
      return root;
    });
  }

  /* ---- mouse coordinates ---- */

  function coordinatesControl(map, opts) {
    var text = el("span", "yiwu-coords-value", "–");
    control(map, "bottomleft", function () {
      var root = el("div", "yiwu-coords leaflet-bar");
      root.appendChild(el("span", "yiwu-coords-label", opts.labels.coordinates + " "));
      root.appendChild(text);
      return root;
    });
    map.on("mousemove", function (ev) {
      text.textContent = ev.latlng.lng.toFixed(5) + ", " + ev.latlng.lat.toFixed(5);
    });
  }

  global.YiwuTools = {el: el, control: control, findFeatures: findFeatures, showFeature: showFeature,
                      searchControl: searchControl, coordinatesControl: coordinatesControl};
})(window);

/* Permalink: the URL hash keeps centre, zoom, active layers and language. */
(function (global) {
  "use strict";

  function parseHash(hash) {
    var out = {};
    String(hash || "").replace(/^#/, "").split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i > 0) { out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1)); }
    });
    return out;
  }

  function activeLayers(map) {
    var layers = global.YiwuMap.layers;
    return Object.keys(layers).filter(function (id) { return map.hasLayer(layers[id]); });
  }

  function currentHash(map, lang) {
    var c = map.getCenter();
    return "#map=" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5) +
      "&layers=" + activeLayers(map).join(",") + "&lang=" + lang;
  }

  function applyHash(map, state) {
    var view = (state.map || "").split("/").map(Number);
    if (view.length === 3 && view.every(isFinite)) { map.setView([view[1], view[2]], view[0], {animate: false}); }
    if (state.layers === undefined) { return; }
    var wanted = state.layers ? state.layers.split(",") : [];
    Object.keys(global.YiwuMap.layers).forEach(function (id) {
      var layer = global.YiwuMap.layers[id];
      if (wanted.indexOf(id) >= 0) { map.addLayer(layer); } else { map.removeLayer(layer); }
    });
  }

  function langUrl(lang, hash) {
    var params = new URLSearchParams(location.search);
    if (lang === "en") { params.set("lang", "en"); } else { params.delete("lang"); }
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "") + hash;
  }

  function permalink(map, lang) {
    var state = parseHash(location.hash);
    if (state.lang && state.lang !== lang && (state.lang === "en" || state.lang === "zh")) {
      location.replace(langUrl(state.lang, location.hash));
      return;
    }
    applyHash(map, state);
    function update() {
      var hash = currentHash(map, lang);
      history.replaceState(null, "", location.pathname + location.search + hash);
      var other = lang === "en" ? "zh" : "en";
      var link = document.querySelector(".yiwu-lang");
      if (link) { link.setAttribute("href", langUrl(other, hash.replace(/lang=\w+$/, "lang=" + other))); }
    }
    map.on("moveend zoomend layeradd layerremove", update);
    update();
  }

  global.YiwuTools.parseHash = parseHash;
  global.YiwuTools.permalink = permalink;
})(window);

/* Time slider over the plan milestones: features whose `year` is after the chosen one are taken off the map
   (features without a year, e.g. the boundaries, always stay). */
(function (global) {
  "use strict";
  var T = global.YiwuTools;

  function filterLayer(group, year) {
    var hidden = group.yiwuHidden || [];
    group.eachLayer(function (f) {
      var y = f.feature && f.feature.properties && f.feature.properties.year;
      if (y && Number(y) > year) { group.removeLayer(f); hidden.push(f); }
    });
    group.yiwuHidden = hidden.filter(function (f) {
      if (Number(f.feature.properties.year) > year) { return true; }
      group.addLayer(f);
      return false;
    });
  }

  function setYear(year) {
    global.YiwuMap.year = year;
    Object.keys(global.YiwuMap.layers).forEach(function (id) { filterLayer(global.YiwuMap.layers[id], year); });
  }

  function timeSlider(map, opts) {
    var years = opts.milestones;
    Object.keys(global.YiwuMap.layers).forEach(function (id) {
      var group = global.YiwuMap.layers[id];
      group.on("yiwu:loaded", function () { filterLayer(group, global.YiwuMap.year); });
    });
    global.YiwuMap.year = years[years.length - 1];
    return T.control(map, "bottomleft", function () {
      var root = T.el("div", "yiwu-time leaflet-bar");
      var value = T.el("span", "yiwu-time-value", "≤ " + global.YiwuMap.year);
      var input = T.el("input");
      input.type = "range";
      input.min = 0;
      input.max = years.length - 1;
      input.step = 1;
      input.value = years.length - 1;
      input.setAttribute("aria-label", opts.labels.time);
      input.addEventListener("input", function () {
        setYear(years[Number(input.value)]);
        value.textContent = "≤ " + global.YiwuMap.year;
      });
      root.appendChild(T.el("span", "yiwu-time-label", opts.labels.time + " "));
      root.appendChild(input);
      root.appendChild(value);
      return root;
    });
  }

  T.timeSlider = timeSlider;
  T.setYear = setYear;
})(window);

/* Swipe comparison: one layer left of a draggable divider, another right of it. Each side's features are
   moved to their own pane (with its own SVG renderer) and the panes are clipped at the divider. */
(function (global) {
  "use strict";
  var T = global.YiwuTools;
  var SIDES = ["yiwuSwipeLeft", "yiwuSwipeRight"];

  function movePane(group, pane) {
    var map = global.YiwuMap.map, on = map.hasLayer(group);
    if (on) { map.removeLayer(group); }
    group.options.pane = pane;
    group.eachLayer(function (f) { f.options.pane = pane; f.options.renderer = undefined; });
    (group.yiwuHidden || []).forEach(function (f) { f.options.pane = pane; });
    if (pane !== "overlayPane" || on) { map.addLayer(group); }
  }

  function clip(map, ratio) {
    var nw = map.containerPointToLayerPoint([0, 0]), se = map.containerPointToLayerPoint(map.getSize());
    var x = map.containerPointToLayerPoint([map.getSize().x * ratio, 0]).x;
    map.getPane(SIDES[0]).style.clip = "rect(" + [nw.y, x, se.y, nw.x].join("px,") + "px)";
    map.getPane(SIDES[1]).style.clip = "rect(" + [nw.y, se.x, se.y, x].join("px,") + "px)";
  }

  function Swipe(map) {
    SIDES.forEach(function (name) { if (!map.getPane(name)) { map.createPane(name); } });
    this.map = map;
    this.ratio = 0.5;
    this.ids = [];
    this.divider = T.el("input", "yiwu-swipe-range");
    this.divider.type = "range";
    this.divider.min = 0;
    this.divider.max = 1;
    this.divider.step = "any";
    L.DomEvent.disableClickPropagation(this.divider);
    ["mousedown", "touchstart", "pointerdown"].forEach(function (ev) {
      L.DomEvent.on(this.divider, ev, L.DomEvent.stopPropagation);
    }, this);
    this.divider.addEventListener("input", this.set.bind(this, null));
    this.update = function () { clip(map, this.ratio); }.bind(this);
  }

  Swipe.prototype.set = function (ratio) {
    this.ratio = ratio === null ? Number(this.divider.value) : ratio;
    this.divider.value = this.ratio;
    this.update();
  };

  Swipe.prototype.start = function (leftId, rightId) {
    this.stop();
    var layers = global.YiwuMap.layers;
    this.ids = [leftId, rightId];
    movePane(layers[leftId], SIDES[0]);
    movePane(layers[rightId], SIDES[1]);
    this.map.getContainer().appendChild(this.divider);
    this.map.on("move zoomend resize", this.update);
    this.set(this.ratio);
  };

  Swipe.prototype.stop = function () {
    var layers = global.YiwuMap.layers;
    this.ids.forEach(function (id) { movePane(layers[id], "overlayPane"); });
    this.ids = [];
    this.map.off("move zoomend resize", this.update);
    if (this.divider.parentNode) { this.divider.parentNode.removeChild(this.divider); }
  };

  function select(opts, ids, chosen) {
    var box = T.el("select");
    ids.forEach(function (id) {
      var option = T.el("option", null, opts.titles[id] || id);
      option.value = id;
      option.selected = id === chosen;
      box.appendChild(option);
    });
    return box;
  }

  function swipeControl(map, opts) {
    var swipe = new Swipe(map), ids = Object.keys(global.YiwuMap.layers);
    T.control(map, "bottomright", function () {
      var root = T.el("div", "yiwu-swipe leaflet-bar");
      var left = select(opts, ids, ids[0]), right = select(opts, ids, ids[1] || ids[0]);
      var button = T.el("button", null, opts.labels.swipe);
      button.type = "button";
      button.addEventListener("click", function () {
        if (swipe.ids.length) { swipe.stop(); button.textContent = opts.labels.swipe; return; }
        swipe.start(left.value, right.value);
        button.textContent = opts.labels.swipe_stop;
      });
      [T.el("span", null, opts.labels.swipe_left), left, T.el("span", null, opts.labels.swipe_right), right, button]
        .forEach(function (node) { root.appendChild(node); });
      return root;
    });
    return swipe;
  }

  T.swipeControl = swipeControl;
})(window);

/* Fullscreen, minimap, draw + measure (geodesic) + GeoJSON download, and the entry point. */
(function (global) {
  "use strict";
  var T = global.YiwuTools;
  var R = 6378137;

  function geodesicArea(latlngs) {
    var area = 0, d2r = Math.PI / 180, n = latlngs.length;
    for (var i = 0; i < n; i++) {
      var p1 = latlngs[i], p2 = latlngs[(i + 1) % n];
      area += (p2.lng - p1.lng) * d2r * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
    }
    return Math.abs(area * R * R / 2);
  }

  function pathLength(latlngs) {
    var total = 0;
    for (var i = 1; i < latlngs.length; i++) { total += latlngs[i - 1].distanceTo(latlngs[i]); }
    return total;
  }

  function measure(layer) {
    if (layer instanceof L.Polygon) {
      return {area_m2: geodesicArea(layer.getLatLngs()[0])};
    }
    if (layer instanceof L.Polyline) { return {length_m: pathLength(layer.getLatLngs())}; }
    return {};
  }

  function measureText(m, labels) {
    if (m.area_m2 !== undefined) { return labels.area + ": " + (m.area_m2 / 1e6).toFixed(3) + " km²"; }
    if (m.length_m !== undefined) { return labels.length + ": " + (m.length_m / 1000).toFixed(3) + " km"; }
    return null;
  }

  function labelDrawn(layer, labels) {
    var text = measureText(measure(layer), labels);
    if (text) { layer.bindTooltip(T.el("span", null, text), {permanent: true, direction: "center"}).openTooltip(); }
  }

  function drawingGeoJSON(group) {
    var features = group.getLayers().map(function (layer) {
      var f = layer.toGeoJSON();
      f.properties = L.extend({}, measure(layer));
      return f;
    });
    return {type: "FeatureCollection", features: features};
  }

  function download(group, filename) {
    var blob = new Blob([JSON.stringify(drawingGeoJSON(group))], {type: "application/geo+json"});
    var a = T.el("a");
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function drawTools(map, opts) {
    var group = L.featureGroup().addTo(map);
    if (!map.pm) { map.pm = new L.PM.Map(map); }  // opt-in mode: the map itself is opted in here
    map.pm.setLang(opts.lang === "en" ? "en" : "zh");
    map.pm.setGlobalOptions({layerGroup: group, pmIgnore: false});
    map.pm.addControls({position: "topleft", drawCircle: false, drawCircleMarker: false, drawRectangle: false,
                        drawText: false, cutPolygon: false, rotateMode: false, dragMode: false});
    map.on("pm:create", function (ev) {
      ev.layer.options.pmIgnore = false;
      L.PM.reInitLayer(ev.layer);
      labelDrawn(ev.layer, opts.labels);
      ev.layer.on("pm:edit", function () { ev.layer.unbindTooltip(); labelDrawn(ev.layer, opts.labels); });
    });
    T.control(map, "topleft", function () {
      var button = T.el("a", "yiwu-download", "↓");
      button.href = "#";
      button.title = opts.labels.download;
      button.setAttribute("role", "button");
      button.addEventListener("click", function (ev) { ev.preventDefault(); download(group, "yiwu-drawing.geojson"); });
      var root = T.el("div", "leaflet-bar");
      root.appendChild(button);
      return root;
    });
    return group;
  }

  function minimap(map, opts) {
    var base = L.geoJSON(null, {style: {color: "#495057", weight: 1, fillOpacity: 0.05}, interactive: false});
    (opts.minimap_layers || []).forEach(function (id) {
      var src = global.YiwuMap.layers[id];
      if (!src) { return; }
      base.addData(src.toGeoJSON());
      src.on("yiwu:loaded", function () { base.addData(src.toGeoJSON()); });
    });
    return new L.Control.MiniMap(base, {position: "bottomleft", toggleDisplay: true, zoomLevelOffset: -5,
                                        strings: {hideText: opts.labels.minimap_hide, showText: opts.labels.minimap_show}})
      .addTo(map);
  }

  function tools(map, opts) {
    global.YiwuMap.map = map;
    new L.Control.FullScreen({position: "topleft", title: opts.labels.fullscreen,
                              titleCancel: opts.labels.fullscreen_exit}).addTo(map);
    T.searchControl(map, opts);
    global.YiwuMap.drawn = drawTools(map, opts);
    T.coordinatesControl(map, opts);
    global.YiwuMap.minimap = minimap(map, opts);
    T.timeSlider(map, opts);
    global.YiwuMap.swipe = T.swipeControl(map, opts);
    T.permalink(map, opts.lang);
  }

  global.YiwuMap.tools = tools;
  global.YiwuMap.drawingGeoJSON = function () { return drawingGeoJSON(global.YiwuMap.drawn); };
  global.YiwuMap.findFeatures = T.findFeatures;
  global.YiwuMap.geodesicArea = geodesicArea;
})(window);
