"""Availability and jury-score files as people write them (issue 19): problems name the
file's own line (blank lines and multi-line cells counted), absurd dates are refused, and
reading one file changes no other reader's CSV dialect."""

from __future__ import annotations

import csv

from models.hearing_outcome import parse_jury_scores
from models.jury_availability import parse_windows

CRITERIA = {"impact": "Impact"}


def test_availability_problems_name_the_files_line_despite_blank_lines():
    text = ("courriel;debut;fin\n\n\nana@x.fr;2027-01-05 09:00;2027-01-05 12:00\n\n"
            "bob@x.fr;demain;2027-01-05 12:00\n")
    windows, problems = parse_windows(text)
    assert len(windows) == 1
    [problem] = problems
    assert (problem.line, problem.field) == (6, "debut")


def test_a_window_in_year_one_is_a_problem_not_a_crash():
    windows, problems = parse_windows("courriel;debut;fin\n"
                                      "ana@x.fr;0001-01-01 00:00;2027-01-05 12:00\n")
    assert windows == [] and [(p.line, p.field) for p in problems] == [(2, "debut")]


def test_jury_scores_lines_count_multiline_comments_and_blank_lines():
    text = ('dossier;courriel;note_impact;commentaire\n'
            '12;ana@x.fr;4;"Bien.\nTrès bien."\n'
            '\n'
            '13;bob@x.fr;9;Hors échelle\n')
    rows, problems = parse_jury_scores(text, CRITERIA, 0, 5, comment_required=True)
    assert len(rows) == 1
    [problem] = problems
    assert (problem.line, problem.dossier) == (5, 13)


def test_reading_a_file_without_a_sniffable_header_leaves_csv_excel_alone():
    before = csv.excel.delimiter
    parse_jury_scores("dossier\n", CRITERIA, 0, 5, comment_required=True)
    assert csv.excel.delimiter == before == ","
