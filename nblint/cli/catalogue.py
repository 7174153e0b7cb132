"""`nblint rules`, `nblint explain` and `nblint new`: the rule catalogue and the templates."""

from __future__ import annotations

from pathlib import Path

import click

from nblint.cli.common import fail
from nblint.levels import LEVELS


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule: code, name, summary and severity at each level."""
    import json

    from nblint.levels import severity
    from nblint.registry import all_rules

    rows = [
        {
            "code": r.code,
            "name": r.name,
            "summary": r.summary,
            "fix": bool(r.fix_safety),
            "severity": {lv: str(severity(r.name, lv)) for lv in LEVELS},
        }
        for r in sorted(all_rules(), key=lambda r: r.code)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    header = f"{'code':<6} {'name':<24} " + " ".join(f"{lv[:5]:<7}" for lv in LEVELS) + " summary"
    click.echo(header)
    for row in rows:
        sevs = " ".join(f"{row['severity'][lv]:<7}" for lv in LEVELS)
        click.echo(f"{row['code']:<6} {row['name']:<24} {sevs} {row['summary']}")


@click.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show the full page for one rule (by name or code): why, examples, how to fix."""
    from nblint.docs import rule_page
    from nblint.registry import find

    found = find(rule)
    if found is None:
        fail(f"unknown rule {rule!r}; `nblint rules` lists them all")
    click.echo(rule_page(found))


@click.command()
@click.option("--list", "list_", is_flag=True, help="List the templates.")
@click.option("-t", "--template", metavar="NAME", help="The template to start from (see --list).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
def new(list_: bool, template: str | None, force: bool, out: Path | None) -> None:
    """Start a notebook from a template that already passes the production level.

    Writes OUT and, next to it, a pinned requirements.txt (an existing
    requirements.txt is left alone and the pins it needs are printed).

    \b
    Examples:
      nblint new --list
      nblint new --template model-training churn.ipynb
    """
    from nblint.templates import available, describe

    templates = available()
    if list_:
        for name, folder in templates.items():
            click.echo(f"{name:<18} {describe(folder)}")
        return
    if not template or out is None:
        fail("give --template NAME and OUT.ipynb, or --list to see the templates")
    if template not in templates:
        fail(f"unknown template {template!r}; choose from: {', '.join(templates)}")
    if out.exists() and not force:
        fail(f"{out} exists; choose another name or pass --force to overwrite it")
    from nblint.fixes import write_atomic

    folder = templates[template]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, (folder / "notebook.ipynb").read_text(encoding="utf-8"))
    click.echo(f"wrote {out} from template {template}")
    pins = (folder / "requirements.txt").read_text(encoding="utf-8")
    requirements = out.parent / "requirements.txt"
    if requirements.exists():
        click.echo(f"{requirements} exists and was left alone; the template needs:\n{pins}", nl=False)
    else:
        write_atomic(requirements, pins)
        click.echo(f"wrote {requirements}")
