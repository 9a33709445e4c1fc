"""The data build: sources through the catalog into validated, measured layers, loaded into the engine."""
