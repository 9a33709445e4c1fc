"""Raster surfaces: built as COGs, summarised over zones, tiled through rio-tiler."""
