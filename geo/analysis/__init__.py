"""Planning analyses on layers: site checks, site sheets, parks, corridors, transit times and the plan's indicators."""
