"""HTTP edge of the service: blueprints, request parameter parsing, services wiring. Views stay thin."""
