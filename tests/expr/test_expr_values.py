"""Value expressions (``parse_value``): arithmetic over names with exp/log/sqrt and backquoted names, the
language of contrasts of estimates; the skip-logic language (``parse``) keeps refusing all of it."""

from __future__ import annotations

import pytest

from careersurvey.expr import Arith, ExprError, MathCall, Name, Num, parse, parse_value


@pytest.mark.parametrize("text", ["E - H", "log(E) - log(`E:api00`)", "exp(a / b) * 2", "sqrt(x + 1) / -y",
                                  "`api_stu/enroll` * 100", "(a + b) / (c - 1.5)"])
def test_values_print_back_and_parse_again(text: str) -> None:
    tree = parse_value(text)
    assert parse_value(str(tree)) == tree


def test_value_tree() -> None:
    assert parse_value("log(`E:api00`) / 2") == Arith("/", MathCall("log", Name("E:api00")), Num(2))


@pytest.mark.parametrize(("text", "message"), [
    ("E > H", "unexpected '>' after a complete value expression"),
    ("'a' + 1", "a value expression holds numbers and names, not the text 'a'"),
    ("x % 2", "'%' (remainder) has no derivative"),
    ("foo(x)", "unknown function 'foo': a value expression knows exp(x), log(x) and sqrt(x)"),
    ("selected(x, 1)", "unknown function 'selected'"),
    ("", "empty expression: write a value such as 'E - H'"),
    ("log(x", "expected ')' to close log("),
])
def test_value_errors(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_value(text)


def test_skip_logic_keeps_its_language() -> None:
    with pytest.raises(ExprError, match="backquoted names are for value expressions"):
        parse("`x` == 1")
    with pytest.raises(ExprError, match="unknown function 'log': the functions are answered"):
        parse("log(x) == 1")
