"""Rule insecure-index: packages may come from an unverified or untrusted place."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, file_finding
from nblint.rule import Rule, example


class InsecureIndex(Rule):
    code = "NB608"
    name = "insecure-index"
    security_severity = 7.0  # dependency confusion, packages over plain http
    summary = "Packages may come from an unverified or untrusted place"
    why = (
        "`--trusted-host` and `http://` index URLs let anyone on the network path swap packages. "
        "`--extra-index-url` makes pip pick the highest version from *either* index, so a public "
        "package with your internal package's name wins: the classic dependency-confusion attack."
    )
    how_to_fix = (
        "Use one `--index-url https://...` that proxies both public and internal packages (Artifactory, "
        "Nexus, devpi), drop `--trusted-host`, and use https everywhere."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "--extra-index-url https://pypi.internal/simple\npandas==2.2.2\n"},
                at=(("requirements.txt", 1),)),
        example("import pandas",
                files={"requirements.txt": "--index-url http://mirror.local/simple\n--trusted-host mirror.local\n"},
                at=(("requirements.txt", 1), ("requirements.txt", 2))),
        example("import pandas", files={"requirements.txt": "-f http://files.local/wheels\npandas==2.2.2\n"},
                at=(("requirements.txt", 1),)),
    )  # fmt: skip
    good = (
        example("import pandas", files={"requirements.txt": "--index-url https://pypi.internal/simple\npandas==2.2.2\n"}),
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for option in nb.environment.requirements.options:
            value = option.value or ""
            if option.name == "--trusted-host":
                yield file_finding(
                    option.location, f"`--trusted-host {value}` turns off TLS verification for that host"
                )
            elif option.name in {"--index-url", "--extra-index-url", "--find-links"} and value.startswith("http://"):
                yield file_finding(
                    option.location, f"`{option.name} {value}` is plain http: packages can be swapped in transit"
                )
            elif option.name == "--extra-index-url":
                yield file_finding(
                    option.location, f"`--extra-index-url {value}` opens the door to dependency confusion"
                )
