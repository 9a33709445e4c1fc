/* The map tools of every page: on the map, fullscreen and the draw tools at the top left, search at the top right,
   coordinates and the scale at the bottom left, the minimap at the bottom right; in the panel's tools tab, the time
   slider and the swipe (`opts`: webmap/build.py tools_options). Add them after the overlays: search, minimap, swipe
   and permalink index the overlays registered by then. Clicks on the map are resolved by hits.js from here on. */
import {clickHandling} from "../hits.js";
import {metricScale} from "../pathstyle.js";
import {keyboardAccess} from "../keyboard.js";
import {coordinatesControl} from "./coords.js";
import {drawTools} from "./draw.js";
import {minimap} from "./minimap.js";
import {permalink} from "./permalink.js";
import {searchControl} from "./search.js";
import {swipeControl} from "./swipe.js";
import {timeSlider} from "./timeslider.js";

/* The tools on the map; returns their handles {map, drawn, minimap, swipe}. */
export function tools(map, opts) {
  metricScale(map);
  new L.Control.FullScreen({position: "topleft", title: opts.labels.fullscreen,
                            titleCancel: opts.labels.fullscreen_exit}).addTo(map);
  searchControl(map, opts);
  const drawn = drawTools(map, opts);
  coordinatesControl(map, opts);
  const overview = minimap(map, opts);
  timeSlider(map, opts);
  const swipe = swipeControl(map, opts);
  clickHandling(map, {chooser: opts.labels.chooser, close: opts.labels.close});
  permalink(map, opts.lang);
  keyboardAccess(map, opts.labels);
  return {map, drawn, minimap: overview, swipe};
}
