"""The one registry of annex sections: key (what ``--theme`` accepts), title, the evidence
themes whose figures the section shows, and the ``Briefing`` method that builds it.

The annex builds and numbers its sections from this registry, the notebook shows them through
``briefing.show("sections")``, ``--theme`` and ``render-batch --per theme`` accept its keys and
the tests check it against the evidence (every theme is shown by a section or listed in
:data:`NOT_SHOWN`) and against the annex (every builder exists and every section is drawn).
Adding a section is one entry here plus its builder method. Standard library only: the
command line reads it before importing the charting stack.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    themes: tuple[str, ...]  # evidence themes (figures.theme) the section shows
    builder: str  # name of the Briefing method that returns the section's blocks

    @property
    def anchor(self) -> str:
        return f"section-{self.key}"


REGISTRY: tuple[Section, ...] = (
    Section(
        "demand-workforce",
        "Demand against workforce growth",
        ("prevalence", "demand", "workforce"),
        "_section_demand_workforce",
    ),
    Section(
        "access-commitments",
        "Access against the NHS Long Term Plan commitments",
        ("access", "funding"),
        "_section_access_commitments",
    ),
    Section(
        "eating-disorders",
        "Eating-disorder treatment and waiting times",
        ("eating_disorders", "waiting_times"),
        "_section_eating_disorders",
    ),
    Section(
        "inpatient",
        "Inpatient care: admissions, lengths of stay and beds",
        ("inpatient",),
        "_section_inpatient",
    ),
    Section(
        "vanguards",
        "Framework for Integrated Care vanguards: accepted referrals and who is referred",
        ("vanguards",),
        "_section_vanguards",
    ),
    Section(
        "send",
        "Special educational needs and disabilities: inspection findings and system proposals",
        ("send",),
        "_section_send",
    ),
    Section(
        "recommendations",
        "Recommendations and commitments: status at the meeting date",
        (),
        "_section_recommendations",
    ),
)

# Evidence themes no section shows on their own, and why (the vanguards section also shows
# every Framework for Integrated Care figure, whatever its theme).
NOT_SHOWN: dict[str, str] = {
    "governance": "board membership, regions and organisation counts: context, not evidence for the board's questions",
    "programmes": "programme facts (number of functions, guides, trial lengths) with no measure to compare",
    "outcomes": "outcome counts of the vanguards (shown in the vanguards section) and one committee figure",
}

SECTIONS: dict[str, str] = {s.key: s.title for s in REGISTRY}
BY_KEY: dict[str, Section] = {s.key: s for s in REGISTRY}
