"""The parser: trees it builds, the errors it gives (whole messages), and printing round trips."""

from __future__ import annotations

import pytest
from hypothesis import given

from careersurvey.expr import (
    Answered, Arith, BoolOp, Compare, ExprError, In, Missing, Name, Neg, Not, Num, Selected, Str, parse,
)
from strategies import conditions


def test_brief_example_tree_and_names() -> None:
    tree = parse("role in [1, 2] and selected(motives, 3)")
    assert tree == BoolOp("and", In(Name("role"), (Num(1), Num(2))), Selected(Name("motives"), Num(3)))
    assert tree.names() == frozenset({"role", "motives"})


@pytest.mark.parametrize(
    "text, tree",
    [
        ("a == 1", Compare("==", Name("a"), Num(1))),
        ("a == 1 or b == 2 and c == 3",
         BoolOp("or", Compare("==", Name("a"), Num(1)),
                BoolOp("and", Compare("==", Name("b"), Num(2)), Compare("==", Name("c"), Num(3))))),
        ("not a == 1 and b != 2",
         BoolOp("and", Not(Compare("==", Name("a"), Num(1))), Compare("!=", Name("b"), Num(2)))),
        ("hours_week * 52 > 2000",
         Compare(">", Arith("*", Name("hours_week"), Num(52)), Num(2000))),
        ("a - b - c == 0", Compare("==", Arith("-", Arith("-", Name("a"), Name("b")), Name("c")), Num(0))),
        ("a - (b - c) == 0", Compare("==", Arith("-", Name("a"), Arith("-", Name("b"), Name("c"))), Num(0))),
        ("-a < -2.5", Compare("<", Neg(Name("a")), Num(-2.5))),
        ("x == -(3)", Compare("==", Name("x"), Num(-3))),
        ("role not in [1, 'x',]", In(Name("role"), (Num(1), Str("x")), negated=True)),
        ("stype == \"E\"", Compare("==", Name("stype"), Str("E"))),
        ("answered(pay_exact) or missing(pay_band)",
         BoolOp("or", Answered(Name("pay_exact")), Missing(Name("pay_band")))),
        ("selected(m, '3')", Selected(Name("m"), Str("3"))),
        ("((a == .5))", Compare("==", Name("a"), Num(0.5))),
        ("missing == 1", Compare("==", Name("missing"), Num(1))),
    ],
)
def test_parses(text: str, tree) -> None:
    assert parse(text) == tree
    assert parse(str(tree)) == tree


def test_positions_point_at_the_source() -> None:
    tree = parse("a == 1 and  bb > 2")
    assert tree.right.left.position == 12
    assert tree.position == 7


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("a = 1", "unexpected '=': write '==' to compare", 2),
        ("${a} == 1", "unexpected '${': write the item name alone, e.g. role == 1 "
                      "(the ${role} form is produced for XLSForm)", 0),
        ("a == 1 && b == 2", "unexpected '&&': write 'and'", 7),
        ("a == 1 || b == 2", "unexpected '||': write 'or'", 7),
        ("!a", "unexpected '!': write 'not' to negate, or '!=' for 'not equal'", 0),
        ("a <> 1", "unexpected '<>': write '!=' for 'not equal'", 2),
        ("a == 'x", "unterminated text: close the text with a matching '", 5),
        ("", "empty expression: write a condition such as 'consent == 1'", 0),
        ("a ==", "expected a value or a condition, found the end of the expression", 4),
        ("a < b < c", "comparisons cannot be chained: write 'a < b and b < c'", 6),
        ("a == 1 == b", "comparisons cannot be chained: write 'a < b and b < c'", 7),
        ("a", "the expression must be a condition such as 'x == 1', not the value 'a'", 0),
        ("a + 1", "the expression must be a condition such as 'x == 1', not the value 'a + 1'", 2),
        ("a and b == 1", "the left side of 'and' must be a condition such as 'x == 1', not the value 'a'", 0),
        ("not a", "the operand of 'not' must be a condition such as 'x == 1', not the value 'a'", 4),
        ("(a == 1) + 1 > 0", "the left side of '+' must be a value, not the condition 'a == 1'", 3),
        ("a + 'x' == 1", "the right side of '+' must be a number, not the text 'x'", 4),
        ("stype < 'E'", "'<' compares numbers, but its right side is the text 'E'; "
                        "text can only be compared with '==', '!=' or 'in'", 8),
        ("foo(a)", "unknown function 'foo': the functions are answered(item), missing(item) "
                   "and selected(item, code)", 0),
        ("selected(m)", "expected ',' between the item and the code in selected(item, code), found ')'", 10),
        ("answered(1)", "answered() takes an item name first, found '1'", 9),
        ("answered(a, b)", "expected ')' to close answered(: it takes one item name, found ','", 10),
        ("a in []", "empty list after 'in': list at least one value, e.g. [1, 2]", 6),
        ("a in [b]", "a list after 'in' holds only numbers and quoted text, found 'b'", 6),
        ("a in [1 2]", "expected ',' or ']' in the list, found '2'", 8),
        ("a in 1", "expected '[' to start the list after 'in', found '1'", 5),
        ("(a == 1", "expected ')' to close the '(' opened at character 1, found the end of the expression", 7),
        ("a == 1 b == 2", "unexpected 'b' after a complete expression: join conditions with 'and' or 'or'", 7),
        ("a == 1 AND b == 2", "unexpected 'AND' after a complete expression: write 'and' in lower case", 7),
        ("a == and", "expected a value or a condition, found the keyword 'and'", 5),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.message == message
    assert info.value.position == position
    assert info.value.text == text
    assert isinstance(info.value, ValueError)


def test_error_text_shows_a_caret() -> None:
    with pytest.raises(ExprError) as info:
        parse("a = 1")
    assert str(info.value) == "unexpected '=': write '==' to compare (at character 3)\n  a = 1\n    ^"


def test_non_text_is_refused() -> None:
    with pytest.raises(ExprError, match="must be text, not int"):
        parse(3)  # type: ignore[arg-type]


def test_nodes_are_frozen() -> None:
    tree = parse("a == 1")
    with pytest.raises(AttributeError):
        tree.op = "!="  # type: ignore[misc]


@given(conditions)
def test_print_parse_round_trip(tree) -> None:
    text = str(tree)
    assert parse(text) == tree
    assert str(parse(text)) == text


@given(conditions)
def test_names_are_the_referenced_items(tree) -> None:
    found = {n.name for n in tree.walk() if isinstance(n, Name)}
    assert tree.names() == frozenset(found)
