/* The map's panes (name -> z-index), made before the overlays (webmap/build.py PANES): boundaries and context at
   the bottom, vector tiles above them, the plan's areas and lines in Leaflet's overlay pane, points on top. */
export function panes(map, zIndexes) {
  Object.entries(zIndexes).forEach(([name, z]) => {
    if (!map.getPane(name)) { map.createPane(name).style.zIndex = String(z); }
  });
}
