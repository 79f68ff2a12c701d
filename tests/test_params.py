import pytest

from cyp_evidence.briefing.content.params import SECTIONS, ParameterError, validate_parameters
from cyp_evidence.briefing.content.schedule import load_schedule

VANGUARDS = ["Surrey", "Coventry and Warwickshire Integrated Care Board"]


def check(raw):
    return validate_parameters(raw, vanguards=VANGUARDS, schedule=load_schedule())


def test_defaults_follow_the_schedule():
    p = check({"board": "lga-cyp-board", "meeting": "2024-03-12"})
    assert p.as_of == "2024-03-12"  # cut-off defaults to the meeting date
    assert p.sections == list(SECTIONS)
    assert p.focus == "all"
    assert "evidence annex" in p.title


def test_themes_are_put_in_annex_order():
    p = check({"board": "lga-cyp-board", "meeting": "2024-03-12", "themes": ["vanguards", "inpatient"]})
    assert p.sections == ["inpatient", "vanguards"]


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"board": "lga-cyp-board", "meeting": "2024-03-12", "colour": "red"}, "unknown parameter 'colour'"),
        (
            {"board": "lga-cyp-board", "meeting": "2024-03-12", "themes": "inpatient"},
            "parameter 'themes': expected list",
        ),
        ({"board": "lga-cyp-board", "meeting": 20240312}, "parameter 'meeting': expected str"),
        ({"board": "lga-cyp-board", "meeting": "2024-03-12", "themes": ["weather"]}, "unknown theme 'weather'"),
        ({"board": "no-such-board", "meeting": "2024-03-12"}, "unknown board 'no-such-board'"),
        ({"board": "lga-cyp-board", "meeting": "2024-03-12", "focus": "Atlantis"}, "unknown vanguard 'Atlantis'"),
        ({"board": "lga-cyp-board", "meeting": "12/03/2024"}, "'meeting': '12/03/2024' is not a date"),
        (
            {"board": "lga-cyp-board", "meeting": "2024-03-12", "as_of": "2024-13-01"},
            "'as_of': '2024-13-01' is not a date",
        ),
        (
            {"board": "lga-cyp-board", "meeting": "2024-03-12", "as_of": "2024-03-13"},
            "cut-off 2024-03-13 is after the meeting",
        ),
        ({"meeting": "2024-03-12"}, "parameter 'board' is required"),
    ],
)
def test_bad_parameters_give_one_clear_error(raw, message):
    with pytest.raises(ParameterError) as exc:
        check(raw)
    assert message in str(exc.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as exc:
        check({"board": "lga-cyp-board", "meeting": "2024-03-12", "themes": ["weather", "sport"], "focus": "Atlantis"})
    assert len(exc.value.problems) == 3
