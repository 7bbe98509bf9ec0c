import logging
from decimal import Decimal

import pytest

from amtsweg.forms.logic import OPERATORS, evaluate, expression_errors, expression_vars


def ev(expression, data=None):
    return evaluate(expression=expression, data=data or {})


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ({"var": "a"}, {"a": 3}, 3),
        ({"var": "a.b"}, {"a": {"b": "x"}}, "x"),
        ({"var": ["nope", "standard"]}, {}, "standard"),
        ({"var": "liste.1"}, {"liste": [1, 2]}, 2),
        ({"==": [{"var": "a"}, "x"]}, {"a": "x"}, True),
        ({"==": ["1", 1]}, {}, True),  # numeric strings equal numbers (currency answers)
        ({"==": ["x", 1]}, {}, False),
        ({"==": [True, 1]}, {}, False),  # booleans are not numbers
        ({"!=": [1, 2]}, {}, True),
        ({"<": [1, 2, 3]}, {}, True),
        ({"<=": ["2024-01-01", "2024-01-01"]}, {}, True),  # ISO dates compare as text
        ({">": ["96.00", 50]}, {}, True),
        ({">=": [1, "a"]}, {}, False),  # incomparable: false, no exception
        ({"and": [True, 0, 1]}, {}, 0),
        ({"or": [0, "", "x"]}, {}, "x"),
        ({"!": [[]]}, {}, True),
        ({"!!": ["0"]}, {}, True),
        ({"if": [False, "a", True, "b", "c"]}, {}, "b"),
        ({"if": [False, "a", "c"]}, {}, "c"),
        ({"in": ["b", ["a", "b"]]}, {}, True),
        ({"in": ["all", "Hallo"]}, {}, True),
        ({"in": ["x", 5]}, {}, False),
        ({"+": ["96.00", 1, "0,5"]}, {}, Decimal("97.50")),
        ({"-": [5]}, {}, Decimal(-5)),
        ({"-": [5, 2]}, {}, Decimal(3)),
        ({"*": ["0.1", 3]}, {}, Decimal("0.3")),  # exact, no float drift
        ({"/": [1, 4]}, {}, Decimal("0.25")),
        ({"min": [3, 1, 2]}, {}, Decimal(1)),
        ({"max": [3, 1, 2]}, {}, Decimal(3)),
        ({"cat": ["Nr. ", 5, None, Decimal("2.50")]}, {}, "Nr. 52.50"),
        ({"missing": ["a", "b", "c"]}, {"a": 1, "b": ""}, ["b", "c"]),
    ],
)
def test_operators(expression, data, expected):
    assert ev(expression, data) == expected


@pytest.mark.parametrize(
    "expression",
    [
        {"+": ["abc", 1]},
        {"/": [1, 0]},
        {"*": [None, 2]},
        {"-": [{"var": "liste"}, 1]},
        {"max": []},
        {"__import__": ["os"]},  # unknown operator: no code path to Python
        {"a": 1, "b": 2},
        {"*": ["1e999999", "1e999999"]},
    ],
)
def test_bad_data_or_expression_never_raises(expression):
    assert ev(expression, {"liste": [1]}) in (None, False)


def test_deep_nesting_is_refused_without_exception():
    expression = True
    for _ in range(500):
        expression = {"!": [expression]}
    assert ev(expression) is None


def test_logging_never_contains_data(caplog):
    with caplog.at_level(logging.DEBUG, logger="amtsweg.forms.logic"):
        ev({"geheim": [{"var": "iban"}]}, {"iban": "DE89370400440532013000"})
    assert caplog.records, "an invalid expression is logged"
    assert all("DE89" not in r.getMessage() and "geheim" not in r.getMessage() for r in caplog.records)


def test_static_check_names_unknown_operator_and_arity():
    errors = expression_errors({"and": [{"foo": [1]}, {"==": [1]}]}, path="steps[0].when")
    assert errors[0].startswith("steps[0].when.and[0]: Unbekannter Operator 'foo'")
    assert "steps[0].when.and[1]: Operator '==' erwartet 2 Argument(e), nicht 1." in errors


def test_expression_vars():
    expression = {"and": [{"var": "a"}, {"missing": ["b", "c"]}, {"var": ["param.x", 0]}]}
    assert expression_vars(expression) == {"a", "b", "c", "param.x"}


def test_operator_set_is_the_documented_subset():
    assert {
        "var",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "and",
        "or",
        "!",
        "!!",
        "if",
        "in",
        "+",
        "-",
        "*",
        "/",
        "min",
        "max",
        "cat",
        "missing",
    } == OPERATORS
