"""Developer tools of the course: the benchmark (``python -m tools.bench``)."""
