"""The service's basic vocabulary: errors, settings, limits, CRSs, measures, serialisation, numbers, caches and client GeoJSON; no I/O."""
