"""The fast reading of plain requirement strings gives packaging's answer, and valid or not, the same verdict."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement as PackagingInvalid
from packaging.requirements import Requirement

from nblint.environment.pep508 import InvalidRequirement, parse

_names = st.sampled_from(["pandas", "Scikit_Learn", "ruamel.yaml", "a", "zope-interface", "x1", "_bad", "a-"])
_versions = st.sampled_from(["1", "1.0", "2.0.0", "1.0.*", "1.*", "1.0rc1", "2.0.post1", "1.0.dev3", "1.0+local",
                             "1!2.0", "1.0a", "v1.0", "", "1.0.0.0.0", "3.11b2.post4.dev1"])  # fmt: skip
_operators = st.sampled_from(["==", "!=", ">=", "<=", ">", "<", "~=", "===", "=", "=>"])
_space = st.sampled_from(["", " ", "  "])


@st.composite
def requirement_strings(draw) -> str:
    text = draw(_space) + draw(_names) + draw(_space)
    if draw(st.booleans()):
        text += "[" + draw(_space).join(draw(st.lists(_names, max_size=3))) + "]"
    clauses = draw(st.lists(st.tuples(_operators, _space, _versions), max_size=3))
    text += draw(st.sampled_from([",", ", ", " ,"])).join(op + sp + v for op, sp, v in clauses)
    tail = draw(st.sampled_from(["", " ", '; python_version < "3.12"', " @ https://x.org/p.whl", "(", " extra"]))
    return text + tail


def _theirs(text: str):
    parsed = Requirement(text)
    marker = str(parsed.marker) if parsed.marker else None
    return parsed.name, tuple(sorted(parsed.extras)), str(parsed.specifier), marker, parsed.url


@settings(max_examples=3000, deadline=None)
@given(requirement_strings())
def test_parse_agrees_with_packaging(text):
    try:
        expected = _theirs(text)
    except PackagingInvalid:
        with pytest.raises(InvalidRequirement):
            parse(text)
        return
    ours = parse(text)
    assert (ours.name, ours.extras, ours.specifier, ours.marker, ours.url) == expected


@pytest.mark.parametrize(
    "text",
    ["pandas", "pandas==2.2.3", "numpy>=1.26, <3", "requests[socks,security]>=2.31", "black~=24.1",
     "torch!=2.0.*,>=1.13", "pytest >= 8.0.0rc1"],
)  # fmt: skip
def test_plain_lines_are_read_without_importing_packaging(text):
    probe = f"import sys; from nblint.environment.pep508 import parse; parse({text!r}); "
    probe += "assert 'packaging' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_duplicate_operators_are_folded_as_packaging_folds_them():
    assert parse("a>=1,>=1.0").specifier == str(Requirement("a>=1,>=1.0").specifier)
