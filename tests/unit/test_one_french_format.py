"""Rule (issue 18, d): every French output uses one number and date format — decimal comma,
narrow no-break space for thousands, "1 234,50 €", dates spelled out. The formats live in
``models.french``; this test fails on any ad-hoc formatting of a number or a date in the
code that writes for people (emails, DS messages and annotations, documents, artifacts, CLI).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from models.french import date_fr, euros, nombre_fr, pourcentage

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("eig", "flows", "models", "connectors", "settings")
HOME = Path("models/french.py")
MACHINE = {
    # formats for machines, not people: the clock file's offset in seconds
    Path("connectors/clock_file.py"),
    # the availability file the demo writes as a person would (an input format)
    Path("eig/demo_hearings.py"),
}
FLOAT_SPEC = re.compile(r"[eEfFgGn%]$|[,_]")  # a float's format, or a thousands separator
WHOLE = re.compile(r"[<>^]?\d*\.0f")  # no decimals, no separator: the same in French
NUMERIC_DATE = re.compile(r"%d/%m|%m/%d|%H:%M")


def _sources() -> list[Path]:
    return sorted(p.relative_to(ROOT) for package in PACKAGES
                  for p in (ROOT / package).rglob("*.py"))


def _problems(path: Path, source: str | None = None) -> list[str]:
    source = (ROOT / path).read_text(encoding="utf-8") if source is None else source
    machine = {n for n, line in enumerate(source.splitlines(), 1) if "# format machine" in line}
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in machine:
            continue  # a key or file for machines, marked so on its line
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value for v in node.format_spec.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if FLOAT_SPEC.search(spec) and not WHOLE.fullmatch(spec):
                found.append(f"{path}:{node.lineno}: format « :{spec} » (utiliser nombre_fr)")
            if NUMERIC_DATE.search(spec):
                found.append(f"{path}:{node.lineno}: date « :{spec} » (utiliser date_fr)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.attr == "replace" and args[:2] == [".", ","]:
                found.append(f"{path}:{node.lineno}: .replace('.', ',') (utiliser nombre_fr)")
            if node.func.attr == "strftime" and args and NUMERIC_DATE.search(str(args[0])):
                found.append(f"{path}:{node.lineno}: date numérique (utiliser date_fr)")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and \
                isinstance(node.left, ast.Constant) and isinstance(node.left.value, str) and \
                re.search(r"%[-+ 0#]*\d*\.\d+f", node.left.value):
            found.append(f"{path}:{node.lineno}: format « % » (utiliser nombre_fr)")
    return found


@pytest.mark.parametrize("path", [p for p in _sources() if p != HOME and p not in MACHINE],
                         ids=str)
def test_no_ad_hoc_number_or_date_format(path: Path) -> None:
    assert _problems(path) == []


def test_the_rule_catches_what_it_forbids() -> None:
    """The scan itself fails on each forbidden form (a rule that cannot fail proves nothing)."""
    probe = "\n".join([
        "import datetime", "x = 41.666", "e = datetime.date.today()",
        'a = f"{x:.2f}"', 'b = f"{x:+g}"', 'c = f"{x:,}"', 'd = str(x).replace(".", ",")',
        'f = "%.1f" % x', 'g = e.strftime("%d/%m/%Y")', 'h = f"{e:%d/%m/%Y}"',
        'k = f"{x:.0f} {x:>4} {x:d}"', 'm = f"{x:g}s"  # format machine'])
    assert len(_problems(Path("probe.py"), probe)) == 7


def test_the_one_format() -> None:
    assert nombre_fr(1234.5) == "1\u202f234,5"
    assert nombre_fr(41.666) == "41,67" and nombre_fr(57.3) == "57,3"
    assert nombre_fr(45.0) == "45" and nombre_fr(-0.001) == "0"
    assert nombre_fr(0.8, signe=True) == "+0,8" and nombre_fr(-0.8, signe=True) == "-0,8"
    assert nombre_fr(2.5, 2) == "2,50"
    assert euros(1234.5) == "1\u202f234,50\u00a0€"
    assert pourcentage(0.125) == "12,5\u00a0%"
    from datetime import date
    assert date_fr(date(2027, 1, 1)) == "vendredi 1er janvier 2027"


def test_a_spreadsheet_cell_never_runs_a_formula_from_outside() -> None:
    from models.outside_text import texte_tableur

    for hostile in ('=HYPERLINK("http://x","clic")', "+33 1 23", "-2+3", "@SUM(A1)",
                    "\t=1", "\r=1"):
        assert texte_tableur(hostile) == "'" + hostile
    assert texte_tableur("Signaux faibles") == "Signaux faibles"
    assert texte_tableur("") == ""
