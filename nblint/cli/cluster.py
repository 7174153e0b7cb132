"""`nblint cluster`: build once, wait, then validate in the same image on Kubernetes."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from nblint.cli.common import fail


class ClusterCommands(click.Group):
    """`nblint cluster ...`: a failure talking to the cluster (refused, forbidden, unreachable) is one line
    on stderr and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith(("kubernetes", "urllib3", "nblint.operator_bridge")):
                raise
            from nblint.operator_bridge.kube import explain

            message = explain(exc)
            if message is None:
                raise
            click.echo(f"error: {message}", err=True)
            ctx.exit(2)


@click.group(cls=ClusterCommands)
@click.option("--kubeconfig", type=click.Path(dir_okay=False), envvar="KUBECONFIG",
              help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster).")  # fmt: skip
@click.option("--context", help="Kubeconfig context to use.")
@click.pass_context
def cluster(ctx, kubeconfig, context) -> None:
    """Build once, wait, then validate in the same image on Kubernetes.

    \b
    Examples:
      nblint cluster submit job.yaml --wait       # NotebookValidationJob YAML
      nblint cluster status etl -n data
      nblint cluster logs etl --validation        # the full JSON report
      nblint cluster cancel etl                   # deletes what it created
    """
    ctx.obj = {"kubeconfig": kubeconfig, "context": context}


def _connect(ctx):
    try:
        from nblint.operator_bridge.kube import Cluster, ClusterError
    except ImportError as exc:
        fail(f"the cluster bridge needs its extra: pip install 'nblint[cluster]' ({exc})")
    try:
        return Cluster.connect(ctx.obj["kubeconfig"], ctx.obj["context"])
    except ClusterError as exc:
        fail(str(exc))


def _namespace(ctx, explicit: str | None, spec=None) -> str:
    if explicit:
        return explicit
    if spec is not None and spec.namespace:
        return spec.namespace
    try:
        from kubernetes import config

        _, active = config.list_kube_config_contexts(config_file=ctx.obj["kubeconfig"])
        return (active or {}).get("context", {}).get("namespace") or "default"
    except Exception:
        return "default"


@cluster.command("submit")
@click.argument("job_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-n", "--namespace", help="Namespace (default: the job's, else the kubeconfig context's).")
@click.option("--wait", is_flag=True, help="Stay until the job is Succeeded or Failed (exit 0 or 1).")
@click.option("--checkout", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
              show_default=True, help="Working tree of the job's repository (requirements, Dockerfile).")  # fmt: skip
@click.option("--dry-run", is_flag=True,
              help="Print every object submit would create, as YAML, and stop: no cluster is contacted.")  # fmt: skip
@click.pass_context
def cluster_submit(ctx, job_file: Path, namespace: str | None, wait: bool, checkout: Path, dry_run: bool) -> None:
    """Create the job's NotebookValidationJob and start it: build the image, then validate in it.

    With --dry-run, print the job, its build, any expectations ConfigMap and the validation Job as
    YAML (for review, or to commit for GitOps) without a cluster; spec errors still exit 2.

    \b
    Two modes, chosen at run time (the first stderr line says which):
      operator  an `nblint operator` holds a fresh Lease covering the job: submit only creates the job
                and, with --wait, follows its status; the operator drives it.
      local     no operator: submit drives the job itself (one step; with --wait, to the end).
    """
    from nblint.operator_bridge.spec import SpecError, load_jobs

    try:
        specs = load_jobs(job_file)
    except SpecError as exc:
        fail(str(exc))
    from nblint.environment.dockerfile import DockerfileError
    from nblint.operator_bridge.driver import reconcile_many
    from nblint.operator_bridge.plan import BuildPlan, make_plan

    jobs = []
    for spec in specs:
        if spec.build.enabled:
            try:
                plan = make_plan(spec, checkout)
            except (DockerfileError, OSError) as exc:
                fail(f"{job_file}: {spec.name}: cannot plan the build from {checkout}: {exc}")
        else:
            plan = BuildPlan(spec.container_image, "", "none", None, ())
        jobs.append((replace(spec, warnings=spec.warnings + plan.warnings), plan))
    if dry_run:
        _print_manifests(jobs, namespace)
        return
    bridge = _connect(ctx)
    _print_warnings(jobs)
    ns = _namespace(ctx, namespace, specs[0])
    live = sys.stderr.isatty()

    def progress(name: str, status: dict) -> None:
        build = status.get("buildStatus") or {}
        line = f"{name}: {status.get('phase')}" + (f" (build {build.get('phase')})" if build.get("phase") else "")
        click.echo(("\r\x1b[2K" if live else "") + line, nl=not live, err=True)

    from kubernetes.client.exceptions import ApiException

    try:
        results = reconcile_many(bridge, jobs, ns, wait=wait, on_status=progress, on_mode=_announce_mode)
    except ApiException as exc:
        fail(f"the cluster refused a request: HTTP {exc.status} {exc.reason}")
    if live:
        click.echo("", err=True)
    for name, status in results.items():
        click.echo(f"{name}: {status.get('phase')}" + (f": {status['message']}" if status.get("message") else ""))
    if not wait:
        click.echo("submitted; follow with `nblint cluster status NAME`, or run submit again with --wait")
        return
    sys.exit(0 if all(s.get("phase") == "Succeeded" for s in results.values()) else 1)


@cluster.command("status")
@click.argument("name")
@click.option("-n", "--namespace")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def cluster_status(ctx, name: str, namespace: str | None, fmt: str) -> None:
    """Phase, conditions, build status and retry counts of one job."""
    import json

    bridge = _connect(ctx)
    job = bridge.get_job(_namespace(ctx, namespace), name)
    if job is None:
        fail(f"no NotebookValidationJob named {name!r}")
    status = job.get("status") or {}
    if fmt == "json":
        click.echo(json.dumps(status, indent=2))
        return
    build = status.get("buildStatus") or {}
    click.echo(
        f"{name}: {status.get('phase', 'Pending')}" + (f": {status['message']}" if status.get("message") else "")
    )
    if build:
        click.echo(
            f"  build:      {build.get('phase')} {build.get('imageReference', '')} ({build.get('buildName', '-')})"
        )
    click.echo(
        f"  retries:    build {status.get('buildRetryCount', 0)}, validation {status.get('validationRetryCount', 0)}"
    )
    for warning in status.get("warnings", []):
        click.echo(f"  warning:    {warning}")
    for condition in status.get("conditions", []):
        click.echo(f"  {condition['type']:<19} {condition['status']:<6} {condition['reason']}: {condition['message']}")


@cluster.command("logs")
@click.argument("name")
@click.option("-n", "--namespace")
@click.option("--validation", "which", flag_value="validation", default=True, help="The validation report (default).")
@click.option("--build", "which", flag_value="build", help="The build's status message.")
@click.pass_context
def cluster_logs(ctx, name: str, namespace: str | None, which: str) -> None:
    """Print the full validation report (the validation pod's log), or the build's message."""
    bridge = _connect(ctx)
    ns = _namespace(ctx, namespace)
    job = bridge.get_job(ns, name)
    if job is None:
        fail(f"no NotebookValidationJob named {name!r}")
    from nblint.operator_bridge.spec import SpecError, parse

    try:
        spec = parse(job, name)
    except SpecError as exc:
        fail(str(exc))
    if which == "build":
        build = (job.get("status") or {}).get("buildStatus") or {}
        click.echo(build.get("message") or "no build message yet")
        return
    log = bridge.validation_log(spec, ns)
    summary = (job.get("status") or {}).get("summary")
    if not log and summary is not None:  # the pod (or its log) is gone: the summary in status remains
        click.echo(f"{name}: the validation pod's log cannot be read; the summary from status:", err=True)
        log = json.dumps(summary, indent=2)
    if not log:
        fail(f"{name}: no validation log yet")
    click.echo(log.rstrip("\n"))


@cluster.command("cancel")
@click.argument("name")
@click.option("-n", "--namespace")
@click.pass_context
def cluster_cancel(ctx, name: str, namespace: str | None) -> None:
    """Delete the job and everything it created (builds, validation Jobs)."""
    bridge = _connect(ctx)
    ns = _namespace(ctx, namespace)
    job = bridge.get_job(ns, name)
    if job is None:
        fail(f"no NotebookValidationJob named {name!r}")
    from nblint.operator_bridge.spec import parse

    count = bridge.delete_all(parse(job, name), ns)
    click.echo(f"{name}: cancelled; deleted {count} object(s) and the job")


@cluster.command("list")
@click.option("-n", "--namespace")
@click.pass_context
def cluster_list(ctx, namespace: str | None) -> None:
    """The NotebookValidationJobs in a namespace, with their phase."""
    bridge = _connect(ctx)
    for job in bridge.list_jobs(_namespace(ctx, namespace)):
        status = job.get("status") or {}
        click.echo(f"{job['metadata']['name']:<40} {status.get('phase', 'Pending'):<18} {status.get('message', '')}")


def _announce_mode(mode: str, operator: str | None) -> None:
    if mode == "follow":
        click.echo(f"mode: operator ({operator} drives the jobs; this command creates and follows them)", err=True)
    else:
        click.echo("mode: local (no nblint operator covers these jobs; this command drives them)", err=True)


def _print_warnings(jobs) -> None:
    for spec, _ in jobs:  # fields mapped or not fully honoured: said aloud, and kept in status
        for warning in spec.warnings:
            click.echo(f"warning: {spec.name}: {warning}", err=True)


def _print_manifests(jobs, namespace: str | None) -> None:
    """`submit --dry-run`: the objects of a first attempt that succeeds, one YAML document each."""
    import yaml

    from nblint.operator_bridge.objects import first_attempt

    _print_warnings(jobs)
    made = [obj for spec, plan in jobs for obj in first_attempt(spec, namespace or spec.namespace or "default",
                                                                  plan.image, plan.dockerfile)]  # fmt: skip
    click.echo(yaml.safe_dump_all(made, sort_keys=False), nl=False)
