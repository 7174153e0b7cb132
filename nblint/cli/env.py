"""`nblint env`: a notebook's declared environment and the Dockerfile built from it."""

from __future__ import annotations

from pathlib import Path

import click

from nblint.cli.common import fail


@click.group()
def env() -> None:
    """Inspect a notebook's declared environment and build its Dockerfile."""


_requirements_option = click.option(
    "--requirements",
    "requirements_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this requirements file instead of discovering one.",
)


def _environment(notebook: Path, requirements_file: Path | None):
    from dataclasses import replace

    from nblint.config import ConfigError, load_settings
    from nblint.environment.sources import discover

    if not notebook.is_file():
        fail(f"{notebook}: no such notebook")
    if requirements_file is not None and not requirements_file.is_file():
        fail(f"{requirements_file}: requirements file not found")
    try:
        settings = load_settings(notebook)
    except ConfigError as exc:
        fail(str(exc))
    if requirements_file:
        settings = replace(settings, requirements_file=str(requirements_file))
    return discover(str(notebook), settings)


@env.command("show")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@_requirements_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def env_show(notebook: Path, requirements_file: Path | None, fmt: str) -> None:
    """Show which requirement sources apply to NOTEBOOK, why, and the effective pinned set."""
    import json

    environment = _environment(notebook, requirements_file)
    reqs = environment.requirements
    doc = {
        "notebook": str(notebook),
        "project_root": str(environment.root),
        "sources": [{"path": s.path, "kind": s.kind, "reason": s.reason} for s in environment.sources],
        "dockerfile": environment.dockerfile,
        "build_from": environment.build_from,
        "requirements": [
            {"name": r.display_name, "specifier": r.specifier, "pinned": r.pinned_version, "marker": r.marker,
             "hashes": len(r.good_hashes), "path": r.location.path, "line": r.location.line}
            for r in reqs.requirements
        ],
        "constraints": [{"name": c.display_name, "specifier": c.specifier} for c in reqs.constraints],
        "options": [{"name": o.name, "value": o.value} for o in reqs.options],
        "problems": [{"message": p.message, "path": p.location.path, "line": p.location.line} for p in reqs.problems],
    }  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"notebook:     {notebook}\nproject root: {environment.root}")
    if not environment.sources:
        click.echo("sources:      none found (no requirements.txt, pylock.toml or [project] dependencies)")
    for source in environment.sources:
        click.echo(f"source:       {source.path}  ({source.reason})")
    if environment.dockerfile:
        click.echo(f"dockerfile:   {environment.dockerfile} (image built from: {environment.build_from})")
    for r in doc["requirements"]:
        state = f"=={r['pinned']}" if r["pinned"] else f"UNPINNED {r['specifier'] or ''}".rstrip()
        hashes = f", {r['hashes']} hash(es)" if r["hashes"] else ""
        click.echo(f"  {r['name']:<28} {state}{hashes}   [{r['path']}:{r['line']}]")
    for p in doc["problems"]:
        click.echo(f"problem:      {p['path']}:{p['line']}: {p['message']}")


@env.command("dockerfile")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@_requirements_option
@click.option(
    "--base-image", metavar="IMAGE", help="Base image for the generated Dockerfile (default python:3.11-slim)."
)
@click.option("--target", metavar="STAGE", help="Stage of a user Dockerfile to build.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
def env_dockerfile(notebook, requirements_file, base_image, target, output) -> None:
    """Write the Dockerfile that validation and production will share for NOTEBOOK.

    Generated from the discovered requirements, or the user's Dockerfile when the
    notebook has no requirements or `prefer-dockerfile` is set. Build it with the
    project root as context, e.g. `buildah bud -f Dockerfile .`.
    """
    from nblint.environment.dockerfile import DockerfileError, plan

    environment = _environment(notebook, requirements_file)
    try:
        result = plan(environment, base_image, target)
    except DockerfileError as exc:
        fail(str(exc))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    which = "generated from the requirements" if result.source == "generated" else f"user Dockerfile {result.source}"
    click.echo(f"using {which}; build context: {result.context}", err=True)
    if output is None:
        click.echo(result.text, nl=False)
        return
    from nblint.fixes import write_atomic

    write_atomic(output, result.text)
