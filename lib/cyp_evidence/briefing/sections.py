"""The sections of an annex, in the order they appear. Keys are what ``--theme`` and the
schedule's ``themes`` accept (no imports, so schedule and params can both check them)."""

SECTIONS: dict[str, str] = {
    "demand-workforce": "Demand against workforce growth",
    "access-commitments": "Access against the NHS Long Term Plan commitments",
    "eating-disorders": "Eating-disorder treatment and waiting times",
    "inpatient": "Inpatient care: admissions, lengths of stay and beds",
    "vanguards": "Framework for Integrated Care vanguards: accepted referrals and who is referred",
    "send": "Special educational needs and disabilities: inspection findings and system proposals",
    "recommendations": "Recommendations and commitments: status at the meeting date",
}
