"""One render of one annex: validate -> (up to date?) -> kernel and papermill -> offline HTML
export -> immutable, versioned publish -> PDF -> index page."""
