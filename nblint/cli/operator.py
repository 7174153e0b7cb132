"""`nblint operator`: the in-cluster controller. Heavy imports (kubernetes, prometheus_client) happen in the
command, so registering it costs nblint's start-up nothing."""

from __future__ import annotations

import click


@click.command("operator")
@click.option("-n", "--namespace", "namespaces", multiple=True, metavar="NS",
              help="Watch this namespace (repeatable). Default: all namespaces.")  # fmt: skip
@click.option("-l", "--selector", help="Only NotebookValidationJobs matching this label selector.")
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port of /metrics, /healthz and /readyz (0: any free port, printed at start).")  # fmt: skip
@click.option("--bind", default="0.0.0.0", show_default=True, help="Address the metrics port listens on.")
@click.option("--leader-elect/--no-leader-elect", default=True, show_default=True,
              help="Elect one active replica through a Lease (run two or more replicas for HA).")  # fmt: skip
@click.option(
    "--lease-namespace",
    envvar="POD_NAMESPACE",
    help="Namespace of the Lease (default: $POD_NAMESPACE, else the first --namespace, else default).",
)
@click.option("--lease-duration", type=click.FloatRange(min=1), default=15.0, show_default=True,
              help="Seconds a silent leader keeps the Lease before a follower takes over.")  # fmt: skip
@click.option("--renew-deadline", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="Seconds a leader that cannot renew keeps acting (must be below --lease-duration).")  # fmt: skip
@click.option("--retry-period", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Seconds between Lease renewals and takeover attempts.")  # fmt: skip
@click.option("--resync", "resync_s", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Relist everything this often (catches missed events).")  # fmt: skip
@click.option("--workers", type=click.IntRange(min=1), default=4, show_default=True,
              help="Jobs reconciled in parallel (never one job twice at once).")  # fmt: skip
@click.option(
    "--identity", envvar="POD_NAME", help="This replica's name in the Lease (default: $POD_NAME, else host-pid)."
)
@click.option("--kubeconfig", type=click.Path(dir_okay=False), envvar="KUBECONFIG",
              help="Kubeconfig file (default: in-cluster config, else $KUBECONFIG or ~/.kube/config).")  # fmt: skip
@click.option("--context", help="Kubeconfig context to use.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)  # fmt: skip
def operator(namespaces, selector, metrics_port, bind, leader_elect, lease_namespace, lease_duration, renew_deadline,
             retry_period, resync_s, workers, identity, kubeconfig, context, log_level) -> None:  # fmt: skip
    """Run the controller: build then validate every NotebookValidationJob, with no CLI involved.

    \b
    It watches NotebookValidationJobs (all namespaces, or --namespace NS ...), drives each with the same
    state machine as `nblint cluster submit`, resumes from .status after a restart, and with several
    replicas lets only the Lease holder act. While it runs, `nblint cluster submit` only creates jobs and
    follows them. Metrics, liveness and readiness: http://HOST:PORT/metrics, /healthz, /readyz.

    \b
    Examples:
      nblint operator                                  # in the cluster (the Helm chart runs this)
      nblint operator -n data -n ml --metrics-port 9090
      nblint operator --kubeconfig ~/.kube/config --no-leader-elect   # from a laptop, for a try
    """
    import logging
    import os
    import signal
    import socket
    import sys
    import threading

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if renew_deadline >= lease_duration:
        click.echo("error: --renew-deadline must be below --lease-duration", err=True)
        sys.exit(2)
    try:
        from nblint.operator_bridge.controller import Controller, Options
        from nblint.operator_bridge.health import HealthServer
        from nblint.operator_bridge.kube import Cluster, ClusterError
        from nblint.operator_bridge.leader import LeaderElector, Timing
    except ImportError as exc:
        click.echo(f"error: the operator needs its extra: pip install 'nblint[cluster]' ({exc})", err=True)
        sys.exit(2)
    try:
        cluster = Cluster.connect(kubeconfig, context)
    except ClusterError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    identity = identity or f"{socket.gethostname()}-{os.getpid()}"
    options = Options(namespaces=tuple(namespaces), selector=selector, workers=workers, resync_s=resync_s)
    controller = Controller(cluster, options, identity=identity)
    try:
        health = HealthServer(bind, metrics_port, controller.metrics.registry, controller.alive, controller.synced)
    except OSError as exc:
        click.echo(f"error: cannot listen on {bind}:{metrics_port}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    health.start()
    log = logging.getLogger("nblint.operator")
    log.info("%s: metrics, /healthz and /readyz on %s:%d; watching %s", identity, bind, health.port,
             ", ".join(namespaces) or "all namespaces")  # fmt: skip
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller.start()
    elector = None
    if leader_elect:
        scope = {"namespaces": list(namespaces) or "*", "selector": selector or ""}
        lease_ns = lease_namespace or (namespaces[0] if namespaces else "default")
        timing = Timing(lease_duration, renew_deadline, retry_period)
        elector = LeaderElector(cluster, lease_ns, identity, scope, timing=timing, on_change=controller.set_leading)
        elector.start()
    else:
        controller.set_leading(True)
    stop.wait()
    log.info("%s: stopping (finishing the calls in progress)", identity)
    controller.stop(timeout=6.0)
    if elector is not None:
        elector.stop(release=True)
    health.stop()
    log.info("%s: stopped", identity)
