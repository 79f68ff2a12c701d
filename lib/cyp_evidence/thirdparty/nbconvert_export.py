"""nbconvert's ``HTMLExporter`` without its final BeautifulSoup pass (about 0.13 s per annex,
a third of the export).

That pass only adds alt text to ``<img>`` tags that have none and tabindex to cells of a body
with the jp-Notebook class; the annex template has no such body, and an ``<img>`` without alt
is refused instead of papered over (a subclass's ``check_html``). The method below is
``HTMLExporter.from_notebook_node`` of nbconvert 7.17 without that pass; it uses the private
``_init_resources`` and ``_nb_metadata`` of nbconvert's exporters (see ``MIRRORS``).
"""

from __future__ import annotations

from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from . import require

TESTED = {"nbconvert": "7.17.2"}
MIRRORS = {
    "nbconvert.exporters.html:HTMLExporter.from_notebook_node": "3dccafff45cc4e749766089c7de2f5385ac071e03f4f5a15bfb3b025f54893b9",
    "nbconvert.exporters.html:HTMLExporter._init_resources": "77315220264ba251652a56ebeb845fd156a1d96f147f82ef968b688e65d5f57f",
    "nbconvert.exporters.templateexporter:TemplateExporter.from_notebook_node": "d0a4e852e577c747182939aafaa1f4d2c6167900d0a5a63083a86db42c20ff93",
}


def check_versions() -> None:
    for dist, version in TESTED.items():
        require(dist, version, "lib/cyp_evidence/thirdparty/nbconvert_export.py")


class QuickHTMLExporter(HTMLExporter):
    """``HTMLExporter`` whose output is checked by ``check_html`` instead of BeautifulSoup's pass."""

    def check_html(self, html: str) -> None:
        """Raise if the exported page is not acceptable (subclasses decide)."""

    def from_notebook_node(self, nb, resources=None, **kw):  # as HTMLExporter's, nbconvert 7.17
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        self.check_html(html)
        return html, resources
