/* Whether a map page is at rest: no layer fetch under way, the map neither panning nor zooming (a popup's auto-pan
   included), and no tile on its way to any tile layer. Browser tests wait for this instead of sleeping, and a
   person's next click lands where the map now draws things.

   Tiles are counted from Leaflet's tile events, on every tile layer made after this module ran (an init hook: the
   page's layers are made by folium's script, which runs after the modules). GridLayer.isLoading() is not used: it
   stays true when the tiles it waited for were pruned before they arrived. */
let moving = 0;  // move/zoom animations under way
const pendingTiles = new Map();  // tile layer -> keys of its tiles requested and not yet loaded, failed or removed

function tileKey(event) {
  return `${event.coords.x}:${event.coords.y}:${event.coords.z}`;
}

L.GridLayer.addInitHook(function watchTiles() {
  const pending = new Set();
  pendingTiles.set(this, pending);
  this.on("tileloadstart", (event) => pending.add(tileKey(event)));
  this.on("tileload tileerror tileunload", (event) => pending.delete(tileKey(event)));
  this.on("remove", () => pending.clear());
});

/* Follow the map's movements from now on. */
export function watchActivity(map) {
  map.on("movestart zoomstart", () => { moving += 1; });
  map.on("moveend zoomend", () => { moving = Math.max(0, moving - 1); });
}

function tilesPending(map) {
  for (const [layer, pending] of pendingTiles) {
    if (pending.size && map.hasLayer(layer)) { return true; }
  }
  return false;
}

/* True when the page is at rest (`pending`: the layer fetches under way). */
export function atRest(map, pending) {
  return Boolean(map) && pending === 0 && moving === 0 && !tilesPending(map);
}
