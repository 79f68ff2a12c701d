import datetime as dt

import pytest

from cyp_evidence.briefing.content.schedule import ScheduleError, load_schedule


def test_committed_schedule_has_both_board_meetings():
    boards = load_schedule()
    board = boards["lga-cyp-board"]
    assert board.name == "LGA Children & Young People Board"
    assert [m.date for m in board.meetings] == [dt.date(2024, 1, 23), dt.date(2024, 3, 12)]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[boards.b]\nname="B"\norganisation="O"\n[[boards.b.meetings]]\ndate="2024-02-30"\n',
            "meeting 1: date '2024-02-30' is not an ISO date",
        ),
        (
            '[boards.b]\nname="B"\norganisation="O"\n[[boards.b.meetings]]\ndate=2024-01-01\n[[boards.b.meetings]]\ndate=2024-01-01\n',
            "meeting 2: duplicate meeting 2024-01-01 for board 'b'",
        ),
        ('[boards.b]\nname="B"\norganisation="O"\ncolour="red"\n', "[boards.b]: unknown key(s) ['colour']"),
        ('[boards.b]\norganisation="O"\n', "[boards.b]: 'name' is required"),
        (
            '[boards.b]\nname="B"\norganisation="O"\n[[boards.b.meetings]]\nwhen="2024-01-01"\n',
            "meeting 1: unknown key(s) ['when']",
        ),
        ("[boards.b\n", "not valid TOML"),
    ],
)
def test_broken_schedule_names_the_entry(tmp_path, text, message):
    path = tmp_path / "schedule.toml"
    path.write_text(text)
    with pytest.raises(ScheduleError) as exc:
        load_schedule(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)
