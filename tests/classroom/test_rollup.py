"""Sessions roll up to the school and its commune, for the commune's managers and HR."""

from __future__ import annotations

import re

from lms.accounts.models import Role
from tests.classroom.helpers import create_session, join, session_row


def _counts(page: str, label: str) -> list[str]:
    row = re.search(r"<t[hd][^>]*>\s*" + re.escape(label) + r"\s*</t[hd]>(.*?)</tr>", page, re.S)
    assert row, label
    return re.findall(r'<td class="num">([^<]+)</td>', row.group(1))


def test_the_commune_sees_its_schools_sessions_and_not_the_neighbours(
        app, client, phone, login_as, make_official, teacher, school_tree, sample_course):
    login_as(teacher)
    students = session_row(app, create_session(client, unit=school_tree["school_a"],
                                               audience="students"))
    parents = session_row(app, create_session(client, unit=school_tree["school_a"],
                                              audience="parents"))
    for name in ("An", "Bình", "Chi"):
        join(phone(), students.join_code, name)
    join(phone(), parents.join_code, "Dũng")
    other = make_official("gv.khac", unit=school_tree["other_school"],
                          roles=[(Role.FACILITATOR, school_tree["other_school"])])
    login_as(other)
    neighbour = session_row(app, create_session(client, unit=school_tree["other_school"],
                                                audience="residents"))
    join(phone(), neighbour.join_code, "Em")

    manager = make_official("ql.xa", unit=school_tree["commune"],
                            roles=[(Role.UNIT_MANAGER, school_tree["commune"])])
    login_as(manager)
    page = client.get("/scores/citizen-sessions/").get_data(as_text=True)
    # sessions, students, parents, residents, participants, completions
    assert _counts(page, school_tree["school_a"].name_en) == ["2", "3", "1", "0", "4", "0"]
    assert school_tree["other_school"].name_en not in page
    # The commune's line sums its own sessions and its schools'.
    assert _counts(page, f"{school_tree['commune'].name_en} (with its schools)") == \
        ["2", "3", "1", "0", "4", "0"]
    # The chart beside the table draws the commune's four participants.
    chart = page[page.index('id="participants-chart-title"'):page.index("</figure>")]
    assert f'y="13">{school_tree["commune"].name_en}</text>' in chart
    assert '<text class="chart-value" x="284" y="31">4</text>' in chart
    assert school_tree["other_commune"].name_en[:10] not in chart

    login_as(teacher)
    assert client.get("/scores/citizen-sessions/").status_code == 403


def test_the_year_filter_counts_only_that_years_sessions(app, client, login_as, make_official,
                                                         teacher, school_tree, sample_course):
    login_as(teacher)
    assert 'value="20' in client.get("/sessions/new").get_data(as_text=True)  # a start is proposed
    create_session(client, unit=school_tree["school_a"])  # 23 November 2026
    hr = make_official("hr.xa", unit=school_tree["commune"], roles=[(Role.HR, school_tree["commune"])])
    login_as(hr)
    this_year = client.get("/scores/citizen-sessions/?year=2026").get_data(as_text=True)
    assert _counts(this_year, school_tree["school_a"].name_en)[0] == "1"
    next_year = client.get("/scores/citizen-sessions/?year=2027").get_data(as_text=True)
    assert school_tree["school_a"].name_en not in next_year
    assert "No sessions in your units in 2027." in next_year
