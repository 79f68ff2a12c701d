"""Renders over time and at scale: the ``render`` command's arguments, ``run-due`` (every
scheduled meeting due and not up to date) and ``render-batch`` (variants of one meeting on local
processes or a Dask cluster)."""
