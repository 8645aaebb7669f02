"""The skip-logic language of questionnaires: one parser, one tree, three backends.

    from careersurvey.expr import parse, ExprError
    tree = parse("role in [1, 2] and selected(motives, 3)")
    tree.names()                                   # frozenset({'role', 'motives'})
    to_xpath(tree, multiple={"motives"})           # "(${role} = 1 or ${role} = 2) and selected(${motives}, '3')"
    to_words(tree, lang="ko", ref=..., choice_label=...)
        # "Q5에서 '학생', '교수' 중 하나를 선택하고 Q7에서 '연봉'을 선택한 경우"
    evaluate(tree, df)                             # numpy bool mask, vectorised on a DataFrame

The language is defined in survey/FORMAT.md; ``str(tree)`` prints it back (``parse(str(t)) == t``).
"""

from careersurvey.expr.evaluate import evaluate
from careersurvey.expr.nodes import (
    Answered,
    Arith,
    BoolOp,
    Compare,
    In,
    MathCall,
    Missing,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Selected,
    Str,
    selected_column,
)
from careersurvey.expr.parser import ExprError, parse, parse_value, tokenize
from careersurvey.expr.words import to_words
from careersurvey.expr.xpath import to_xpath

#: The public name of ``parse`` at the top of the package (``careersurvey.parse_expression``).
parse_expression = parse

__all__ = [
    "Answered", "Arith", "BoolOp", "Compare", "ExprError", "In", "MathCall", "Missing", "Name", "Neg", "Node",
    "Not", "Num", "Selected", "Str", "evaluate", "parse", "parse_expression", "parse_value", "to_words", "to_xpath",
    "selected_column", "tokenize",
]
