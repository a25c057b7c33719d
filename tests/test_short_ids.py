"""Short ids (`A-17`, `R-4`, `D-9`, `M-3`) are read by one parser for every kind of record."""

from __future__ import annotations

import pytest

from domain.text import short_number


@pytest.mark.parametrize(
    ("ref", "letter", "expected"),
    [
        ("A-17", "A", 17),
        ("a17", "A", 17),
        ("  R-4 ", "R", 4),
        ("9", "D", 9),
        ("M-003", "M", 3),
        ("D-123456789", "D", 123456789),
    ],
)
def test_reads_the_number(ref: str, letter: str, expected: int) -> None:
    """The letter (any case), its dash and surrounding spaces are optional; the number is what is left."""
    assert expected == short_number(ref, letter)


@pytest.mark.parametrize(
    ("ref", "letter"),
    [
        ("R-4", "A"),  # another kind's id
        ("A-", "A"),
        ("A--4", "A"),
        ("A-4x", "A"),
        ("A-\u00b2", "A"),  # isdigit() would let a superscript through to int()
        ("A-1234567890", "A"),  # ten digits: longer than any number pmbot hands out
        ("", "A"),
    ],
)
def test_refuses_what_is_not_one(ref: str, letter: str) -> None:
    """Anything else is not a short id: None, never an exception."""
    assert short_number(ref, letter) is None
