"""Rule missing-hash: hash-checking is on, and a requirement has no sha256/384/512 hash."""

from __future__ import annotations

from collections.abc import Iterator

from nblint import levels
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, file_finding
from nblint.rule import Rule, example


class MissingHash(Rule):
    code = "NB603"
    name = "missing-hash"
    summary = "Hash-checking is on, and a requirement has no sha256/384/512 hash"
    why = (
        "With hashes, pip refuses any file whose content differs from what you vetted: a re-uploaded "
        "or tampered package fails the build instead of running in production. pip turns this on as "
        "soon as one requirement has a hash (or `--require-hashes` is given), and then every "
        "requirement needs one, `-r` files included. md5 and sha1 do not count."
    )
    how_to_fix = (
        "Generate hashes for the whole set: `pip-compile --generate-hashes` or `uv pip compile "
        "--generate-hashes`. Editable installs and local folders cannot be hashed: build a wheel instead."
    )
    bad = (
        example("import pandas, numpy",
                files={"requirements.txt": "pandas==2.2.2 --hash=sha256:" + "a" * 64 + "\nnumpy==1.26.4\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas", files={"requirements.txt": "--require-hashes\npandas==2.2.2\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas",
                files={"requirements.txt": "pandas==2.2.2 --hash=md5:0123456789abcdef0123456789abcdef\n"},
                at=(("requirements.txt", 1),)),
    )  # fmt: skip
    good = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\n"}),
        example("import pandas",
                files={"requirements.txt": "pandas==2.2.2 --hash=sha256:" + "a" * 64 + "\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        reqs = nb.environment.requirements
        switch = levels.switches_at(nb.level, nb.switches).get("verify-hashes")
        demanded = reqs.hash_checking if switch is None else switch
        if not demanded:
            return
        for req in reqs.requirements:
            if req.good_hashes:
                continue
            if not req.is_hashable:
                problem = "is editable or a folder and cannot be hashed; build a wheel"
            elif req.hashes:
                problem = "has only md5/sha1 hashes; pip needs sha256, sha384 or sha512"
            else:
                problem = "has no hash, but hash-checking is on for this set"
            yield file_finding(req.location, f"`{req.display_name}` {problem}")
