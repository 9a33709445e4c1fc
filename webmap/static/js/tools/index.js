/* The map tools of every page, in control order: fullscreen, search, draw, coordinates, minimap, time slider,
   swipe, permalink (`opts`: webmap/build.py tools_options). Add them after the overlays: search, minimap, swipe
   and permalink index the overlays registered by then. */
import {coordinatesControl} from "./coords.js";
import {drawTools} from "./draw.js";
import {minimap} from "./minimap.js";
import {permalink} from "./permalink.js";
import {searchControl} from "./search.js";
import {swipeControl} from "./swipe.js";
import {timeSlider} from "./timeslider.js";

/* The tools on the map; returns their handles {map, drawn, minimap, swipe}. */
export function tools(map, opts) {
  new L.Control.FullScreen({position: "topleft", title: opts.labels.fullscreen,
                            titleCancel: opts.labels.fullscreen_exit}).addTo(map);
  searchControl(map, opts);
  const drawn = drawTools(map, opts);
  coordinatesControl(map, opts);
  const overview = minimap(map, opts);
  timeSlider(map, opts);
  const swipe = swipeControl(map, opts);
  permalink(map, opts.lang);
  return {map, drawn, minimap: overview, swipe};
}
