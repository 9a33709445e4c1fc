"""A user's file into a layer: formats, archives, encodings and CRS, the quality check, publication."""
