/* The one place a page's global is written: window.YiwuMap, frozen (main.js for the map pages, items.js for the
   OGC items pages). */
export function publish(api) {
  window.YiwuMap = Object.freeze(api);
  return window.YiwuMap;
}
