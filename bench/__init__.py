"""Benchmarks (`make bench`): each bench/bench_*.py module has run(data_dir) -> list of result rows;
every row reports a ratio against a baseline measured in the same run."""
