"""Board briefings, arranged as the pipeline runs, each layer importing only the ones below it:

- ``operations/``: many renders over time (``run-due``, ``render-batch`` on processes or a Dask
  cluster, the ``render`` command's argument handling);
- ``pipeline/``: one render: parameters validated -> kernel -> papermill -> offline HTML export
  -> immutable version published (manifest, lock) -> PDF -> index page;
- ``content/``: what an annex can be asked for and what it says: the section registry, the
  schedule of boards and meetings, the parameters, key messages, changes since the last
  version, the annex builder, its HTML pieces and chart libraries;
- ``errors.py`` and ``checksums.py``: what every layer raises and compares.

The import contract in pyproject.toml keeps the arrows pointing down."""
