"""Board briefings: parameters -> execute (papermill) -> export (offline HTML) -> publish
(immutable versions, manifest, index) -> schedule."""
