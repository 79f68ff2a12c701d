"""The explorers an adviser can open: one entry per notebook, the question it answers and what
it shows. The start page (``notebooks/00_start_here.ipynb``) lists them, search results link to
the one that shows a match, and every explorer links back to the start page."""

from __future__ import annotations

from dataclasses import dataclass

START_PAGE = "00_start_here.ipynb"


@dataclass(frozen=True)
class Entry:
    notebook: str  # file name in notebooks/
    title: str  # as the notebook's first heading reads
    question: str  # the question it answers, in one line
    themes: tuple[str, ...] = ()  # figure themes it charts (beside the overview, which has all)
    shows: tuple[str, ...] = ()  # other records it shows: "table_cells", "recommendations", "source_issues"


CATALOGUE: tuple[Entry, ...] = (
    Entry(
        "explore_00_overview.ipynb",
        "What is in the evidence base",
        "Which themes and documents does the evidence cover, and which figures mention a word?",
    ),
    Entry(
        "explore_01_prevalence.ipynb",
        "Prevalence and demand",
        "How many children and young people have a probable mental health disorder, and how fast has demand grown?",
        ("prevalence", "demand", "outcomes"),
    ),
    Entry(
        "explore_02_workforce.ipynb",
        "Workforce, and growth in demand against growth in workforce and access",
        "Has the workforce, or access to services, grown as fast as need and demand?",
        ("workforce",),
    ),
    Entry(
        "explore_03_waiting_eating_disorders.ipynb",
        "Waiting times and eating disorders",
        "What are the waiting-time standards, and how many young people start eating-disorder treatment?",
        ("waiting_times", "eating_disorders"),
    ),
    Entry(
        "explore_04_inpatient.ipynb",
        "Inpatient care",
        "How many children and young people are admitted to inpatient (Tier 4) care, and for how long?",
        ("inpatient",),
    ),
    Entry(
        "explore_05_access_funding_commitments.ipynb",
        "Access, funding and the Long Term Plan commitments",
        "Is each NHS Long Term Plan commitment on track, and how much money is there per child?",
        ("access", "funding", "commitments", "programmes"),
    ),
    Entry(
        "explore_06_vanguards.ipynb",
        "Framework for Integrated Care (Community) vanguards",
        "How many referrals did each vanguard accept each quarter, and who was referred?",
        ("vanguards",),
        ("table_cells",),
    ),
    Entry(
        "explore_07_recommendations.ipynb",
        "Recommendations and commitments tracker",
        "Which recommendations and commitments were due by a given date, and what progress do the sources report?",
        ("send", "governance"),
        ("recommendations",),
    ),
    Entry(
        "explore_08_source_issues.ipynb",
        "Issues in the sources",
        "Where do the source documents disagree with themselves or each other, and which figures does that touch?",
        (),
        ("source_issues",),
    ),
)


def by_notebook(notebook: str) -> Entry:
    for e in CATALOGUE:
        if e.notebook == notebook:
            return e
    raise KeyError(f"no explorer notebook named {notebook!r}")


def showing_theme(theme: str) -> list[Entry]:
    """The explorers that chart figures of ``theme``: the theme's own first, then the overview."""
    own = [e for e in CATALOGUE if theme in e.themes]
    return own + [CATALOGUE[0]]


def showing(kind: str) -> list[Entry]:
    """The explorers that show records of ``kind`` (table_cells, recommendations, source_issues)."""
    return [e for e in CATALOGUE if kind in e.shows]
