"""The build plan of a job the operator drives, where no working tree is at hand.

`nblint cluster submit` plans from the user's checkout and leaves that plan on the job (annotation
`nblint.dev/plan`), so the operator builds exactly what the CLI would have. A job applied with kubectl has
no such annotation: its plan comes from the spec alone (the base image, the spec's requirementsFile if
any, the validator), tagged by a hash of that Dockerfile and the repository, ref and notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

from nblint.operator_bridge.plan import BuildPlan, image_reference
from nblint.operator_bridge.spec import JobSpec

PLAN_ANNOTATION = "nblint.dev/plan"


def annotation(plan: BuildPlan) -> dict[str, str]:
    body = {"image": plan.image, "dockerfile": plan.dockerfile, "source": plan.source, "target": plan.target}
    return {PLAN_ANNOTATION: json.dumps(body, sort_keys=True)}


def plan_for(job: dict, spec: JobSpec) -> BuildPlan:
    if not spec.build.enabled:
        return BuildPlan(spec.container_image, "", "none", None, ())
    raw = ((job.get("metadata") or {}).get("annotations") or {}).get(PLAN_ANNOTATION)
    if raw:
        try:
            doc = json.loads(raw)
            return BuildPlan(doc["image"], doc["dockerfile"], doc["source"], doc.get("target"), ())
        except (ValueError, KeyError, TypeError):
            pass  # a hand-edited annotation: plan from the spec instead
    return from_spec(spec)


def from_spec(spec: JobSpec) -> BuildPlan:
    from nblint.environment.dockerfile import REQ_DIR, plan
    from nblint.environment.sources import Environment

    if spec.build.dockerfile:  # the build reads the repository's own Dockerfile
        text = ""
    else:
        base = spec.build.base_image or spec.container_image
        text = plan(Environment(notebook=spec.notebook_path, root=Path("/")), base, spec.build.target,
                    include_notebook=False).text  # fmt: skip
        if spec.build.requirements_file:
            req = spec.build.requirements_file
            install = [f"COPY {req} {REQ_DIR}/{req}", f"RUN python -m pip install --no-cache-dir -r {REQ_DIR}/{req}"]
            lines = text.splitlines()
            at = next(i for i, line in enumerate(lines) if line.startswith("FROM ")) + 2
            text = "\n".join([*lines[:at], *install, *lines[at:]]) + "\n"
    identity = f"{text}\n{spec.git_url}@{spec.git_ref}:{spec.notebook_path}:{spec.build.dockerfile or ''}"
    return BuildPlan(
        image_reference(spec, identity, ()), text, spec.build.dockerfile or "generated", spec.build.target, ()
    )
