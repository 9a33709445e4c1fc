/* Large layers drawn from their vector tiles (OGC API – Tiles, Mapbox Vector Tiles) with Leaflet.VectorGrid on
   canvas: styled from the catalog like the GeoJSON overlays, highlighted under the pointer, and a click opens the
   feature's popup with every field, fetched by id from the data API (the tiles carry only the feature id and the
   style's class field). The page's hit-testing (hits.js) weighs a clicked tile feature against the other layers'
   features under the pointer. Below the layer's minimum zoom the map says so instead of drawing a part of it.
   Leaflet.VectorGrid 1.3.0 was written for Leaflet 1.7, whose DOM events had `fakeStop`; the two lines below give
   it back to its canvas renderer as Leaflet 1.7 defined it. */
import {el} from "./dom.js";
import {nameClose, reportHit} from "./hits.js";
import {register} from "./layers.js";
import {featureColors} from "./pathstyle.js";
import {popupOptions} from "./layout.js";
import {popup} from "./popup.js";

if (!L.DomEvent.fakeStop) {
  // eslint-disable-next-line no-restricted-syntax -- Leaflet 1.7's public fakeStop, which VectorGrid 1.3 calls
  L.DomEvent.fakeStop = (e) => { e._stopped = true; };
}

const HIGHLIGHT = {color: "#f03e3e", weight: 3, fillOpacity: 0.45, fill: true};

function tileStyle(opts) {
  const style = opts.style || {};
  return (props) => {
    const {color, fillColor} = featureColors(style, props);
    return {color, weight: style.weight || 1, opacity: 0.9, fill: true, fillColor,
            fillOpacity: style.fill_opacity === undefined ? 0.3 : style.fill_opacity, radius: style.radius || 5};
  };
}

/* The popup of a tile feature, its fields fetched by id; the layer fires "yiwu:content" {featureId, feature,
   content} before the fields are shown (to add to them, as the GeoJSON overlays do). */
function openFeature(map, layer, opts, id, latlng) {
  const box = el("div", "yiwu-popup", "…");
  const shown = nameClose(L.popup(popupOptions(map)).setLatLng(latlng).setContent(box).openOn(map));
  fetch(opts.feature_url.replace("{id}", encodeURIComponent(id)), {headers: {Accept: "application/geo+json"}})
    .then((r) => {
      if (!r.ok) { throw new Error(`HTTP ${r.status}`); }
      return r.json();
    })
    .then((feature) => {
      const content = popup(feature.properties || {}, opts.popup);
      layer.fire("yiwu:content", {featureId: id, feature, content});
      shown.setContent(content);
    })
    .catch((err) => { box.textContent = String(err.message); });
}

function zoomNotice(map, layer, opts) {
  const notice = L.control({position: "bottomleft"});
  notice.onAdd = () => el("div", "yiwu-zoom-notice", opts.labels.zoom_in.replace("{zoom}", opts.minzoom)
    .replace("{layer}", opts.title).replace("{count}", Number(opts.count).toLocaleString()));
  const sync = () => {
    const show = map.hasLayer(layer) && map.getZoom() < opts.minzoom;
    if (show && !notice.getContainer()) { notice.addTo(map); }
    if (!show && notice.getContainer()) { notice.remove(); }
  };
  map.on("zoomend layeradd layerremove", sync);
  sync();
}

/* A vector-tile overlay of catalog layer `opts.id` on `map` (`opts`: id, title, style, popup, tiles, feature_url,
   minzoom, count, labels; webmap/build.py overlay), registered in `layers` like the GeoJSON overlays. */
export function vectorTileLayer(map, opts) {
  const styleOf = tileStyle(opts);
  const layer = L.vectorGrid.protobuf(opts.tiles, {
    rendererFactory: L.canvas.tile, interactive: opts.interactive !== false, minZoom: opts.minzoom, maxZoom: 22,
    pane: opts.pane,
    getFeatureId: (f) => f.properties.feature_id,
    vectorTileLayerStyles: {[opts.id]: (props) => styleOf(props)},
  });
  let hovered = null;
  layer.on("mouseover", (ev) => {
    hovered = ev.layer.properties.feature_id;
    layer.setFeatureStyle(hovered, HIGHLIGHT);
  });
  layer.on("mouseout", () => {
    if (hovered !== null) { layer.resetFeatureStyle(hovered); }
    hovered = null;
  });
  layer.on("click", (ev) => {
    const id = ev.layer.properties.feature_id;
    const name = ev.layer.properties[opts.popup.title_field] || `${opts.title} · ${id}`;
    reportHit(map, {id: opts.id, name, opts, props: ev.layer.properties, base: Boolean(opts.base),
                    open: (latlng) => openFeature(map, layer, opts, id, latlng)}, ev.latlng);
  });
  zoomNotice(map, layer, opts);
  return register(layer, opts);
}
