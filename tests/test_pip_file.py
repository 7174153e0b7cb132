"""Requirement files parsed the way pip reads them, on real files."""

from __future__ import annotations

import pytest

from nblint.environment.pip_file import parse_file, parse_text
from nblint.environment.requirement import normalize

HASH = "sha256:" + "ab" * 32


def _write(folder, name, text, mode="w"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_continuation_is_joined_before_comments_are_stripped(tmp_path):
    path = _write(tmp_path, "r.txt", f"pandas==2.2.2 \\\n    --hash={HASH} \\\n    --hash=sha512:{'c' * 128}\n")
    [req] = parse_file(path).requirements
    assert (req.name, req.pinned_version, len(req.hashes)) == ("pandas", "2.2.2", 2)
    assert req.location.line == 1
    # A comment ends a continuation (pip's join_lines): the next line is a requirement of its own.
    path = _write(tmp_path, "c.txt", "numpy==1.26.4 \\\n# comment\nscipy==1.13.1\n")
    assert [r.name for r in parse_file(path).requirements] == ["numpy", "scipy"]


def test_same_package_with_different_extras_and_markers(tmp_path):
    path = _write(
        tmp_path,
        "r.txt",
        'pandas[excel]==2.2.2\npandas[parquet,excel]==2.2.2 ; python_version >= "3.10"  # both\n',
    )
    first, second = parse_file(path).requirements
    assert first.extras == ("excel",) and second.extras == ("excel", "parquet")
    assert second.marker == 'python_version >= "3.10"' and second.location.line == 2


def test_r_chains_three_deep_and_c_constraints_relative_to_the_including_file(tmp_path):
    _write(tmp_path, "requirements.txt", "-r deps/base.txt\n-c constraints.txt\nflask\n")
    _write(tmp_path, "deps/base.txt", "-r ../common/core.txt\nnumpy==1.26.4\n")
    _write(tmp_path, "common/core.txt", "--requirement=../deps/extra.txt\nrequests==2.32.3\n")
    _write(tmp_path, "deps/extra.txt", "urllib3==2.2.2\n")
    _write(tmp_path, "constraints.txt", "flask==3.0.3\n")
    result = parse_file(tmp_path / "requirements.txt")
    assert [r.name for r in result.requirements] == ["urllib3", "requests", "numpy", "flask"]
    assert [(c.name, c.constraint) for c in result.constraints] == [("flask", True)]
    assert not result.problems
    assert len(result.files) == 5


def test_include_cycle_and_missing_file_are_problems_not_crashes(tmp_path):
    _write(tmp_path, "a.txt", "-r b.txt\n")
    _write(tmp_path, "b.txt", "six==1.16.0\n-r a.txt\n-r missing.txt\n")
    result = parse_file(tmp_path / "a.txt")
    messages = [p.message for p in result.problems]
    assert any("include each other: a.txt -> b.txt -> a.txt" in m for m in messages)
    assert any("missing.txt not found" in m for m in messages)
    assert [r.name for r in result.requirements] == ["six"]


def test_bom_crlf_and_env_vars(tmp_path, monkeypatch):
    monkeypatch.setenv("PANDAS_VERSION", "2.2.2")
    path = _write(tmp_path, "r.txt", "\ufeffpandas==${PANDAS_VERSION}\r\nnumpy==1.26.4\r\n".encode(), "wb")
    reqs = parse_file(path).requirements
    assert [(r.name, r.pinned_version) for r in reqs] == [("pandas", "2.2.2"), ("numpy", "1.26.4")]


def test_urls_vcs_paths_and_editables(tmp_path):
    path = _write(
        tmp_path,
        "r.txt",
        "mylib @ https://files.example.com/mylib-1.0-py3-none-any.whl\n"
        "git+https://github.com/acme/tool.git@v1.2#egg=tool\n"
        "./wheels/local_pkg-0.3-py3-none-any.whl\n"
        "-e ./src/project\n"
        "https://example.com/archive/pkg-2.0.tar.gz ; sys_platform == 'linux'\n",
    )
    reqs = parse_file(path).requirements
    assert [(r.name, r.kind) for r in reqs] == [
        ("mylib", "url"),
        ("tool", "vcs"),
        ("local-pkg", "path"),
        (None, "path"),
        ("pkg", "url"),
    ]
    assert reqs[3].editable and reqs[4].marker == "sys_platform == 'linux'"


def test_global_options(tmp_path):
    path = _write(
        tmp_path,
        "r.txt",
        "--index-url https://pypi.org/simple\n--extra-index-url=https://x/simple\n-f ./wheels\n"
        "--trusted-host x\n--require-hashes\n--no-binary :all:\n--pre\n",
    )
    result = parse_file(path)
    assert [o.name for o in result.options] == [
        "--index-url", "--extra-index-url", "--find-links", "--trusted-host", "--require-hashes", "--no-binary",
        "--pre",
    ]  # fmt: skip
    assert result.require_hashes and not result.problems


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", None),
        (b"# only comments\n\n   \n", None),
        (b'{"name": "not requirements"}\n', "not a valid requirement"),
        (b"import pandas as pd\ndf = pd.read_csv('x')\n", "not a valid requirement"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"pandas==2.2.2 --frobnicate\n", "not allowed after a requirement"),
        (b"--hash=sha256:abc\n", "unknown option"),
        (b"-r\n", "needs a file name"),
        (b"pandas==2.2.2 --hash=nocolon\n", "algorithm:digest"),
        (b"name with 'quote\n", "not a valid requirement"),
    ],
)
def test_odd_files_give_problems_with_lines_never_exceptions(tmp_path, content, expected):
    result = parse_file(_write(tmp_path, "r.txt", content, "wb"))
    messages = [p.message for p in result.problems]
    if expected is None:
        assert not messages and not result.requirements
    else:
        assert any(expected in m for m in messages), messages
        assert all(p.location.line >= 1 for p in result.problems)


def test_pep503_normalisation():
    assert normalize("Scikit_Learn") == normalize("scikit-learn") == normalize("scikit.learn") == "scikit-learn"


def test_pinned_version():
    specs = ["a==1.0", "b===1.0", "c==1.*", "d>=1", "e==1.0,<2", "f"]
    pins = [r.pinned_version for r in parse_text("\n".join(specs), "r.txt").requirements]
    assert pins == ["1.0", "1.0", None, None, None, None]
