"""What a job builds: the Dockerfile and the image reference, content-addressed.

The default tag is a hash of the Dockerfile text, the requirement files' bytes and the base image,
so every notebook with the same environment shares one image, and an unchanged environment is
never rebuilt when reuseIfExists is on. buildConfig.fallbackStrategy says what happens when no
requirements are found: `fail` stops, `warn` builds the base image alone and says so, `auto` does
what nblint always does (its discovery chain, then the base image).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from nblint.operator_bridge.spec import JobSpec

OPENSHIFT_REGISTRY = "image-registry.openshift-image-registry.svc:5000"


@dataclass(frozen=True)
class BuildPlan:
    image: str
    dockerfile: str  # text of the Dockerfile to build (generated, or the user's)
    source: str  # "generated" or the user Dockerfile's path
    target: str | None
    files: tuple[str, ...]  # requirement files that went into the hash
    warnings: tuple[str, ...] = ()


def make_plan(spec: JobSpec, checkout: Path) -> BuildPlan:
    """Plan the build for a job whose repository is checked out at `checkout` (same ref as the job)."""
    from nblint.config import Settings
    from nblint.environment.dockerfile import DockerfileError, plan
    from nblint.environment.sources import discover

    settings = Settings(
        requirements_file=str(checkout / spec.build.requirements_file) if spec.build.requirements_file else None,
        requirements_sources=spec.build.requirements_sources,
        prefer_dockerfile=spec.build.prefer_dockerfile,
    )
    env = discover(str(checkout / spec.notebook_path), settings)
    if spec.build.dockerfile:
        env = replace(env, dockerfile=str(checkout / spec.build.dockerfile), build_from="dockerfile")
    files = tuple(sorted(env.requirements.files))
    warnings = ()
    if not files and env.build_from != "dockerfile":
        searched = spec.build.requirements_file or "next to the notebook, then up to the repository root"
        if spec.build.fallback_strategy == "fail":
            raise DockerfileError(f"no requirements found ({searched}) and buildConfig.fallbackStrategy is fail")
        if spec.build.fallback_strategy == "warn":
            warnings = (f"buildConfig.fallbackStrategy: no requirements found ({searched}); "
                        "building the base image alone",)  # fmt: skip
    result = plan(env, spec.build.base_image, spec.build.target, include_notebook=False)
    image = image_reference(spec, result.text, files)
    return BuildPlan(image, result.text, result.source, result.target, files, warnings)


def image_reference(spec: JobSpec, dockerfile: str, files: tuple[str, ...]) -> str:
    tag = spec.build.image_tag or content_tag(dockerfile, files, spec.build.base_image or "")
    registry = spec.build.registry or OPENSHIFT_REGISTRY
    namespace = spec.build.registry_namespace or spec.namespace or "default"
    return f"{registry}/{namespace}/{spec.build.image_name}:{tag}"


def content_tag(dockerfile: str, files: tuple[str, ...], base_image: str) -> str:
    digest = hashlib.sha256()
    for part in (base_image.encode(), dockerfile.encode(), *(Path(f).read_bytes() for f in files)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return "nb-" + digest.hexdigest()[:16]
