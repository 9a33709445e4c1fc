"""Vector tiles (Mapbox Vector Tiles on WebMercatorQuad) and MBTiles basemaps."""
