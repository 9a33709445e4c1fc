"""The command line: `python -m geo build`, `python -m geo import`, accounts."""
