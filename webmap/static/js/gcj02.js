/* WGS84 <-> GCJ-02 (the datum of the AMap basemap) and a Web Mercator CRS that projects WGS84 positions through
   GCJ-02, so WGS84 overlays, drawings and coordinates line up with GCJ-02 tiles. */
const A = 6378245.0;
const EE = 0.006693421622965943;  // 0.00669342162296594323 (geo/core/crs.py) as a double
const PI = Math.PI;

function transformLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
  r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
  return r + (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
}

function transformLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
  r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
  return r + (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
}

/* [lat, lng] in GCJ-02; same formula as geo/core/crs.py wgs84_to_gcj02 (no offset outside China's rectangle). */
export function toGcj02(lat, lng) {
  if (lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271) { return [lat, lng]; }
  let dlat = transformLat(lng - 105, lat - 35);
  let dlng = transformLon(lng - 105, lat - 35);
  const rad = lat / 180 * PI;
  const magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
  const sq = Math.sqrt(magic);
  dlat = (dlat * 180) / ((A * (1 - EE)) / (magic * sq) * PI);
  dlng = (dlng * 180) / (A / sq * Math.cos(rad) * PI);
  return [lat + dlat, lng + dlng];
}

/* [lat, lng] in WGS84 of a GCJ-02 position (fixed-point iteration). */
export function fromGcj02(lat, lng) {
  let wlat = lat;
  let wlng = lng;
  for (let i = 0; i < 8; i++) {
    const g = toGcj02(wlat, wlng);
    wlat -= g[0] - lat;
    wlng -= g[1] - lng;
  }
  return [wlat, wlng];
}

const merc = L.Projection.SphericalMercator;

export const GCJ02_CRS = L.extend({}, L.CRS.EPSG3857, {
  code: "GCJ02-3857",
  projection: {
    bounds: merc.bounds,
    project(ll) {
      const g = toGcj02(ll.lat, ll.lng);
      return merc.project(L.latLng(g[0], g[1]));
    },
    unproject(p) {
      const ll = merc.unproject(p);
      const w = fromGcj02(ll.lat, ll.lng);
      return L.latLng(w[0], w[1]);
    },
  },
});
