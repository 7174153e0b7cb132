"""The facts the requirement rules ask of a requirement and of the merged set, on parsed text."""

from __future__ import annotations

import pytest

from nblint.diagnostics import Location
from nblint.environment.import_names import local_modules
from nblint.environment.install_command import parse_install
from nblint.environment.pip_file import parse_file, parse_text

SHA = "sha256:" + "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _reqs(text: str):
    return parse_text(text, "requirements.txt").requirements


def _one(line: str):
    [req] = _reqs(line)
    return req


@pytest.mark.parametrize(
    ("line", "pinned"),
    [
        ("pandas==2.2.2", True),
        ("pandas===2.2.2", True),
        ("pandas==2.*", False),
        ("pandas>=2,<3", False),
        ("pandas", False),
        (f"https://files.example/pandas-2.2.2-py3-none-any.whl --hash={SHA}", True),
        ("https://files.example/pandas-2.2.2-py3-none-any.whl --hash=md5:" + "0" * 32, False),
        (f"pkg @ git+https://github.com/o/pkg@{COMMIT}", True),
        ("pkg @ git+https://github.com/o/pkg@main", False),
    ],
)
def test_is_pinned(line, pinned):
    assert _one(line).is_pinned is pinned


def test_a_pinned_constraint_pins_a_range_but_an_unpinned_one_does_not(tmp_path):
    (tmp_path / "c.txt").write_text("pandas==2.2.2\nnumpy>=1\n")
    (tmp_path / "r.txt").write_text("pandas>=2\nnumpy>=1.20\nscipy==1.13.1\n-c c.txt\n")
    assert [r.name for r in parse_file(tmp_path / "r.txt").unpinned()] == ["numpy"]


@pytest.mark.parametrize(
    ("line", "hashable"),
    [
        ("pandas==2.2.2", True),
        ("./wheels/pandas-2.2.2-py3-none-any.whl", True),
        ("./src/mypkg", False),
        ("-e ./src/mypkg", False),
        ("-e git+https://github.com/o/pkg#egg=pkg", False),
    ],
)
def test_is_hashable(line, hashable):
    assert _one(line).is_hashable is hashable


def test_hash_checking_is_on_with_the_flag_or_any_hash():
    assert not parse_text("pandas==2.2.2\nnumpy==1.26.4\n", "r.txt").hash_checking
    assert parse_text(f"pandas==2.2.2 --hash={SHA}\nnumpy==1.26.4\n", "r.txt").hash_checking
    assert parse_text("--require-hashes\npandas==2.2.2\n", "r.txt").hash_checking


def test_is_transitive_reads_pip_compile_via_comments(tmp_path):
    (tmp_path / "r.txt").write_text(
        "pandas==2.2.2\n    # via -r requirements.in\n"
        "six==1.16.0\n    # via python-dateutil\n"
        "python-dateutil==2.9.0\n    # via\n    #   -r requirements.in\n    #   pandas\n"
        "numpy==1.26.4\n    # via\n    #   pandas\n"
    )
    reqs = parse_file(tmp_path / "r.txt").requirements
    assert [(r.name, r.is_transitive) for r in reqs] == [
        ("pandas", False), ("six", True), ("python-dateutil", False), ("numpy", True)]  # fmt: skip


def test_is_tooling():
    assert [r.is_tooling for r in _reqs("pytest-cov==5.0\ntypes-requests==2.32\npandas-stubs==2.2\npytest==8.3\n")] == [
        True, True, True, False]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "second", "conflict"),
    [
        ("pandas==2.2.2", "pandas==1.5.3", True),
        ("numpy==2.0.1", "numpy<2", True),
        ("numpy<2", "numpy==2.0.1", True),
        ("numpy==1.26.4", "numpy>=1.20", False),
        ("pandas==2.2.2", "pandas==2.2.2", False),
        ('numpy==1.26.4 ; python_version < "3.12"', 'numpy==2.1.0 ; python_version >= "3.12"', False),
        ('pywin32==306 ; sys_platform == "win32"', 'pywin32==305 ; sys_platform == "linux"', False),
        ('numpy==1.26.4 ; sys_platform == "linux"', 'numpy==2.1.0 ; python_version >= "3.12"', True),
    ],
)
def test_conflicts_with_is_symmetric_and_respects_markers(first, second, conflict):
    a, b = _reqs(f"{first}\n{second}\n")
    assert a.conflicts_with(b) is conflict and b.conflicts_with(a) is conflict


def test_conflicts_and_duplicates_point_at_the_earlier_requirement():
    reqs = parse_text("pandas==2.2.2\nPandas==1.5.3\nnumpy==1.26.4\npandas[excel]==2.2.2\nnumpy==1.26.4\n", "r.txt")
    assert [(r.location.line, e.location.line) for r, e in reqs.conflicts()] == [(2, 1), (4, 2)]
    assert [(r.location.line, f.location.line) for r, f in reqs.duplicates()] == [(4, 1), (5, 3)]


def test_location_span_is_at_least_one_character_wide():
    assert Location("a/requirements.txt", 3).span == Location("a/requirements.txt", 3, 1, 1).span
    assert (Location("x", 2, 1, 12).span.end_column, Location("x", 2, 5).span.end_column) == (12, 6)
    assert Location("deps/base.txt", 7).short == "base.txt:7"


@pytest.mark.parametrize(
    ("command", "specs", "movable"),
    [
        ("pip install -q pandas==2.2.2 numpy", ("pandas==2.2.2", "numpy"), True),
        ("python3 -m pip install -r requirements.txt", (), False),
        ("pip install --index-url https://x/simple pandas", ("pandas",), False),
        ("conda install -y numpy", ("numpy",), False),
        ("pip install ./local && echo done", ("./local",), False),
        ("pip list", None, None),
    ],
)
def test_parse_install(command, specs, movable):
    install = parse_install(command)
    if specs is None:
        assert install is None
    else:
        assert (install.specs, install.movable) == (specs, movable)


def test_local_modules_are_files_packages_and_src_layout(tmp_path):
    for name in ("helpers.py", "pkg/__init__.py", "src/lib/__init__.py", ".hidden/x.py", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert local_modules(tmp_path, tmp_path / "missing") == {"helpers", "pkg", "src", "lib"}
