"""The Helm chart (charts/nblint-operator) and deploy/install.yaml: linted and rendered by Helm's own engine
(helm-python-sdk binds Helm v4's Go library), every object checked against the Kubernetes schemas offline
(kubernetes-validate) and the operator's pod against the Pod Security `restricted` profile, and the RBAC
derived from the code: the emulated operator's every API request is allowed by the chart's rules, and every
rule is used by some request."""

from __future__ import annotations

import importlib.util
import json
import re
import time

import helm_python
import pytest
import yaml
from conftest import ROOT
from pod_security import pod_specs, restricted_violations

CHART = ROOT / "charts" / "nblint-operator"
KUBERNETES = "1.33.0"  # the oldest release the schemas are checked against (the chart says >=1.25)
FULL = {
    "metrics": {
        "serviceMonitor": {"enabled": True, "namespace": "monitoring", "interval": "15s"},
        "alerts": {"enabled": True},
        "dashboards": {"enabled": True, "namespace": "grafana"},
    }
}
NAMESPACED = {"watchNamespaces": ["data", "ml"], "labelSelector": "team=data"}


def _render_module():
    spec = importlib.util.spec_from_file_location("nblint_deploy_render", ROOT / "deploy" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _render_module()


def _objects(values: dict | None = None) -> list[dict]:
    return [yaml.safe_load(doc) for doc in render.render(values)]


def _one(objects: list[dict], kind: str) -> dict:
    [found] = [o for o in objects if o["kind"] == kind]
    return found


# -- the chart as Helm sees it ----------------------------------------------------------------------------
@pytest.mark.parametrize("values", [None, FULL, NAMESPACED, {"leaderElection": {"enabled": False}}])
def test_helm_lint_is_clean(values):
    report = helm_python.lint(CHART, values, strict=True)
    assert report["errors"] == []
    problems = [m for m in report["messages"] if m["severity"] >= 2]  # 2 warning, 3 error (1 is "icon")
    assert problems == []


def test_install_yaml_is_the_chart_with_default_values():
    """Regenerate with `python deploy/render.py` (charts/nblint-operator/README.md)."""
    assert (ROOT / "deploy" / "install.yaml").read_text() == render.install_yaml()


def test_chart_ships_the_crd_of_the_bridge_unchanged():
    assert render.CRD_COPY.read_bytes() == render.CRD_SOURCE.read_bytes()
    [crd] = helm_python.Chart.load(CHART).crds
    assert yaml.safe_load(crd["data"]) == yaml.safe_load(render.CRD_SOURCE.read_text())


def test_install_yaml_applies_in_order():
    kinds = [doc["kind"] for doc in yaml.safe_load_all((ROOT / "deploy" / "install.yaml").read_text())]
    assert kinds == ["CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRole", "ClusterRoleBinding",
                     "Role", "RoleBinding", "Service", "Deployment"]  # fmt: skip


# -- every object is valid Kubernetes, and the pod is admitted under `restricted` --------------------------
@pytest.mark.parametrize("values", [None, FULL, NAMESPACED])
def test_every_object_passes_the_kubernetes_schemas(values):
    import kubernetes_validate

    unchecked = set()
    for obj in _objects(values):
        try:
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            unchecked.add(obj["apiVersion"] + "/" + obj["kind"])
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
    # Only the Prometheus Operator's kinds have no schema here; test_alerts.py checks the rules with promtool.
    assert unchecked <= {"monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule"}


def test_install_yaml_passes_the_schemas_too():
    import kubernetes_validate

    for obj in yaml.safe_load_all((ROOT / "deploy" / "install.yaml").read_text()):
        kubernetes_validate.validate(obj, KUBERNETES, strict=True)


@pytest.mark.parametrize("values", [None, NAMESPACED])
def test_operator_pod_passes_pod_security_restricted(values):
    deployment = _one(_objects(values), "Deployment")
    [pod] = pod_specs(deployment)
    assert restricted_violations(pod) == []
    # No fixed UID: OpenShift's restricted SCC assigns one from the namespace's range.
    contexts = [pod["securityContext"], *(c.get("securityContext", {}) for c in pod["containers"])]
    assert not any("runAsUser" in context for context in contexts)


def test_deployment_runs_the_operator_with_probes_on_its_metrics_port():
    deployment = _one(_objects(), "Deployment")
    assert deployment["spec"]["replicas"] == 2
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    port = {p["name"]: p["containerPort"] for p in container["ports"]}["http-metrics"]
    assert port == 8080 and f"--metrics-port={port}" in container["args"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http-metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http-metrics"}
    assert "--leader-elect" in container["args"]
    assert {e["name"] for e in container["env"]} == {"POD_NAME", "POD_NAMESPACE"}  # Lease identity, namespace
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


@pytest.mark.parametrize("values", [None, NAMESPACED, {"leaderElection": {"enabled": False}}])
def test_the_operator_command_accepts_the_deployment_args(values):
    """Every argument the chart passes is an option of `nblint operator` with a valid value."""
    from nblint.cli.operator import operator

    [container] = _one(_objects(values), "Deployment")["spec"]["template"]["spec"]["containers"]
    context = operator.make_context("operator", list(container["args"]))
    if values is NAMESPACED:
        assert context.params["namespaces"] == ("data", "ml") and context.params["selector"] == "team=data"
    else:
        assert context.params["namespaces"] == ()
    assert context.params["leader_elect"] is not bool(values and "leaderElection" in values)


# -- the values users asked for ------------------------------------------------------------------------------
def test_monitoring_objects_follow_their_values():
    default = {o["kind"] for o in _objects()}
    assert "Service" in default and not default & {"ServiceMonitor", "PrometheusRule"}
    assert not any(o["kind"] == "ConfigMap" for o in _objects())
    full = _objects(FULL)
    monitor = _one(full, "ServiceMonitor")
    assert monitor["metadata"]["namespace"] == "monitoring"
    assert monitor["spec"]["endpoints"][0]["interval"] == "15s"
    dashboard = _one(full, "ConfigMap")
    assert dashboard["metadata"]["namespace"] == "grafana"
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert _one(full, "PrometheusRule")["metadata"]["namespace"] == "nblint-system"
    off = {o["kind"] for o in _objects({**FULL, "metrics": {**FULL["metrics"], "enabled": False}})}
    assert not off & {"Service", "ServiceMonitor", "PrometheusRule", "ConfigMap"}


def test_rules_and_dashboard_are_the_files_tests_read():
    full = _objects(FULL)
    rules = yaml.safe_load((CHART / "files" / "rules.yaml").read_text())
    assert _one(full, "PrometheusRule")["spec"] == rules
    [(key, text)] = _one(full, "ConfigMap")["data"].items()
    assert key.endswith(".json") and json.loads(text) == json.loads((CHART / "files" / "dashboard.json").read_text())


def test_service_monitor_scrapes_the_metrics_service_as_job_nblint_operator():
    full = _objects(FULL)
    service, monitor = _one(full, "Service"), _one(full, "ServiceMonitor")
    labels = service["metadata"]["labels"]
    assert all(labels[k] == v for k, v in monitor["spec"]["selector"]["matchLabels"].items())
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [service["metadata"]["namespace"]]
    assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in service["spec"]["ports"]}
    # files/rules.yaml's NblintOperatorDown looks for up{job="nblint-operator"}.
    assert labels[monitor["spec"]["jobLabel"]] == "nblint-operator"
    pods = _one(full, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert all(pods[k] == v for k, v in service["spec"]["selector"].items())


def test_namespaced_mode_grants_nothing_cluster_wide():
    objects = _objects(NAMESPACED)
    assert not any(o["kind"] == "ClusterRoleBinding" for o in objects)
    # The only ClusterRole is the one for people (aggregated into edit/admin); the operator is bound to none.
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "ClusterRole"] == ["nblint-operator-user"]
    roles = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "Role"}
    assert roles == {("data", "nblint-operator"), ("ml", "nblint-operator"),
                     ("nblint-system", "nblint-operator-leader-election")}  # fmt: skip
    bindings = [o for o in objects if o["kind"] == "RoleBinding"]
    assert len(bindings) == 3
    for binding in bindings:
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "nblint-operator",
                                        "namespace": "nblint-system"}]  # fmt: skip


def _leaves(values: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        out += _leaves(value, path + ".") if isinstance(value, dict) and value else [path]
    return out


def test_readme_documents_every_value():
    readme = (CHART / "README.md").read_text()
    table = readme.split("\n## Values\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([\w.]+)` \|", table, re.MULTILINE))
    values = set(_leaves(yaml.safe_load((CHART / "values.yaml").read_text())))
    assert values == documented
    for name in ("metrics.enabled", "metrics.serviceMonitor.enabled", "metrics.serviceMonitor.interval",
                 "metrics.serviceMonitor.namespace", "metrics.alerts.enabled", "metrics.dashboards.enabled",
                 "metrics.dashboards.namespace"):  # fmt: skip
        assert name in values  # the shape users asked for
    assert "python deploy/render.py" in readme


# -- RBAC: derived from what the code does ------------------------------------------------------------------
OPERATOR_AGENT, HELPER_AGENT = "nblint-operator-under-test", "test-doubles"
OPERATOR_NAMESPACE, JOB_NAMESPACE = "nblint-system", "data"
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def _authorization(request) -> tuple[str, str, str, str | None, str | None] | None:
    """(apiGroup, resource[/subresource], verb, namespace, name) the API server authorizes a request as;
    None for discovery and /version, which every authenticated user may read."""
    parts = request.url.path.strip("/").split("/")
    if parts[0] == "api" and len(parts) > 2:
        group, rest = "", parts[2:]
    elif parts[0] == "apis" and len(parts) > 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    resource, name = rest[0], (rest[1] if len(rest) > 1 else None)
    if len(rest) > 2:
        resource += "/" + rest[2]
    method = str(getattr(request.method, "value", request.method)).upper()
    if method == "GET":
        verb = "get" if name else ("watch" if request.params.get("watch") in ("true", "1") else "list")
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = _METHOD_VERBS[method]
    return group, resource, verb, namespace, name


def _owned_creates(requests) -> list[tuple[str, str, str, str | None, str | None]]:
    """OpenShift's owner-reference admission: creating an object that blocks its owner's deletion needs
    `update` on the owner's finalizers subresource, though no request names it."""
    out = []
    for request in requests:
        data = request.data if isinstance(request.data, dict) else {}
        owners = (data.get("metadata") or {}).get("ownerReferences") or []
        for owner in owners:
            if owner.get("blockOwnerDeletion") and owner.get("kind") == "NotebookValidationJob":
                group = owner["apiVersion"].split("/")[0]
                out.append((group, "notebookvalidationjobs/finalizers", "update", _authorization(request)[3], None))
    return out


def _grants(objects: list[dict]) -> list[tuple[str | None, dict]]:
    """(namespace the rules apply in, or None for cluster-wide; rule) for every rule bound to the operator."""
    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
             for o in objects if o["kind"] in ("Role", "ClusterRole")}  # fmt: skip
    out = []
    for binding in (o for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")):
        assert binding["subjects"][0]["name"] == "nblint-operator"
        ref = binding["roleRef"]
        namespace = binding["metadata"].get("namespace")
        role = roles[(ref["kind"], namespace if ref["kind"] == "Role" else None, ref["name"])]
        out += [(namespace, rule) for rule in role["rules"]]
    return out


def _allows(namespace: str | None, rule: dict, request) -> bool:
    group, resource, verb, req_namespace, name = request
    if namespace is not None and req_namespace != namespace:
        return False  # a Role covers its own namespace only; a cluster-wide list needs a ClusterRole
    if group not in rule["apiGroups"] or resource not in rule["resources"] or verb not in rule["verbs"]:
        return False
    return "resourceNames" not in rule or (name in rule["resourceNames"] and verb not in ("create", "list", "watch"))


def _job(name: str, strategy: str, **spec) -> dict:
    return {
        "apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob",
        "metadata": {"name": name, "namespace": JOB_NAMESPACE},
        "spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"}, "path": "etl.ipynb"},
                 "podConfig": {"containerImage": "python:3.11-slim",
                               "buildConfig": {"enabled": True, "strategy": strategy,
                                               "privileged": strategy == "kaniko"}}, **spec},  # kaniko runs as root
    }  # fmt: skip


def _operator(emulated, namespaces: tuple[str, ...] = ()):
    """The real controller and its leader elector on the emulator, its requests marked by their User-Agent."""
    from nblint.operator_bridge.controller import Controller, Options
    from nblint.operator_bridge.kube import Cluster
    from nblint.operator_bridge.leader import LeaderElector, Timing

    operator_api = emulated.api_client()
    operator_api.user_agent = OPERATOR_AGENT
    cluster = Cluster(operator_api)
    controller = Controller(
        cluster,
        Options(namespaces=namespaces, workers=2, tick_s=0.3, stream_timeout=2, resync_s=2),
        identity="op-0",
        check_image=lambda image: False,
    ).start()
    scope = {"namespaces": list(namespaces) or "*", "selector": None}
    elector = LeaderElector(
        cluster,
        OPERATOR_NAMESPACE,
        "op-0",
        scope,
        timing=Timing(lease_s=3, renew_s=2, retry_s=0.2),
        on_change=controller.set_leading,
    )
    return controller, elector


def _operator_requests(emulated, namespaces: tuple[str, ...] = ()) -> list:
    """Run the real controller with leader election on the emulator: a job of each build strategy is built
    (after one failed attempt) and validated, then one of each times out while building (its build is
    deleted). Returns the controller's requests, and none of the test's own."""
    from k8s_controllers import Controllers
    from kubernetes import client

    helper_api = emulated.api_client()  # the test's own requests and the stand-in controllers
    helper_api.user_agent = HELPER_AGENT
    custom = client.CustomObjectsApi(helper_api)
    controller, elector = _operator(emulated, namespaces)

    def run(jobs: list[dict], builds: dict[int, str]) -> dict[str, tuple[str, str]]:
        with Controllers(helper_api, JOB_NAMESPACE, builds=builds):
            for job in jobs:
                custom.create_namespaced_custom_object("mlops.mlops.dev", "v1alpha1", JOB_NAMESPACE,
                                                       "notebookvalidationjobs", job)  # fmt: skip
            names = {job["metadata"]["name"] for job in jobs}
            deadline = time.monotonic() + 60
            while True:
                stored = custom.list_namespaced_custom_object(
                    "mlops.mlops.dev", "v1alpha1", JOB_NAMESPACE, "notebookvalidationjobs"
                )["items"]
                phases = {
                    j["metadata"]["name"]: (
                        (j.get("status") or {}).get("phase"),
                        (j.get("status") or {}).get("message"),
                    )
                    for j in stored
                    if j["metadata"]["name"] in names
                }
                if all(p in ("Succeeded", "Failed") for p, _ in phases.values()) or time.monotonic() > deadline:
                    return phases
                time.sleep(0.2)

    strategies = ("tekton", "s2i", "kaniko")
    expect = {"expectedOutputs": [{"cell": 1, "type": "text"}]}  # mounted from a ConfigMap
    from k8s_emulator import Fault

    # lose one status race: the controller re-reads the job (a `get`) and steps again
    emulated.emulator.faults.append(Fault("PUT", "/status", 409))
    try:
        elector.start()
        done = run(
            [_job(s, s, **({"validationConfig": expect} if s == "tekton" else {})) for s in strategies],
            {1: "fail", 2: "complete"},
        )
        # Finished is what matters here (the controller's own tests judge outcomes): every path was taken.
        assert all(phase in ("Succeeded", "Failed") for phase, _ in done.values()), done
        late = run([_job(f"late-{s}", s, totalTimeout="5s") for s in strategies], {1: "hang"})
        assert all(phase == "Failed" for phase, _ in late.values()), late
    finally:
        elector.stop()
        controller.stop()
    return [r for r in emulated.emulator if r.headers.get("User-Agent") == OPERATOR_AGENT]


@pytest.fixture(scope="module", params=["cluster-wide", "namespaced"])
def operator_run(request):
    pytest.importorskip("kmock")
    from k8s_emulator import EmulatedCluster

    namespaces = (JOB_NAMESPACE,) if request.param == "namespaced" else ()
    with EmulatedCluster() as emulated:
        requests = _operator_requests(emulated, namespaces)
    needed = {a for a in map(_authorization, requests) if a} | set(_owned_creates(requests))
    values = {"watchNamespaces": list(namespaces)} if namespaces else None
    return needed, _grants(_objects(values))


def _missing(needed, grants) -> list[tuple]:
    """The (group, resource, verb, namespace) of requests no grant allows."""
    return sorted({(g, r, v, ns) for g, r, v, ns, name in needed
                   if not any(_allows(where, rule, (g, r, v, ns, name)) for where, rule in grants)})  # fmt: skip


def _unused(needed, grants) -> list[tuple]:
    """The (where, group, resource, verb) of grants that no request used."""
    unused = []
    for where, rule in grants:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    one = {**rule, "apiGroups": [group], "resources": [resource], "verbs": [verb]}
                    if not any(_allows(where, one, request) for request in needed):
                        unused.append((where, group, resource, verb))
    return unused


def test_rbac_allows_every_request_the_operator_makes(operator_run):
    needed, grants = operator_run
    missing = _missing(needed, grants)
    assert not missing, "used but not granted:\n" + "\n".join(map(str, missing))


def test_rbac_grants_nothing_the_operator_does_not_use(operator_run):
    needed, grants = operator_run
    unused = _unused(needed, grants)
    assert not unused, "granted but never used:\n" + "\n".join(map(str, unused))


# -- RBAC for people: what `nblint cluster` needs, aggregated into the built-in edit and admin roles ---------
def _user_requests(emulated, tmp_path) -> list:
    """`nblint cluster` as a real process: submit --wait driving a job of each strategy itself (no operator),
    status, logs, list and cancel; then submit --wait again with an operator running, which only follows.
    Returns the CLI's requests, and none of the test's or the operator's."""
    from conftest import make_project, run_nblint
    from k8s_controllers import Controllers

    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "emu",
        "clusters": [{"name": "emu", "cluster": {"server": emulated.url}}], "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": "emu", "context": {"cluster": "emu", "user": "u", "namespace": JOB_NAMESPACE}}],
    }))  # fmt: skip
    checkout = make_project(tmp_path / "repo", {"requirements.txt": "pandas==2.2.2\n", "etl.ipynb": "{}"})

    def cli(*args):
        proc = run_nblint("cluster", "--kubeconfig", str(kubeconfig), *args)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
        return proc

    def job_file(name, *jobs):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(jobs))
        return str(path)

    helper_api = emulated.api_client()
    helper_api.user_agent = HELPER_AGENT
    local = job_file("local", *(_job(s, s) for s in ("tekton", "s2i", "kaniko")))
    with Controllers(helper_api, JOB_NAMESPACE, logs=emulated.emulator.pod_logs):
        assert "local" in cli("submit", local, "--wait", "--checkout", str(checkout)).stderr
        cli("status", "tekton")
        cli("logs", "tekton", "--validation")
        cli("list")
        for name in ("tekton", "s2i"):  # a PipelineRun, a Build and validation Jobs (a kaniko build is a Job)
            cli("cancel", name)
        controller, elector = _operator(emulated)
        try:
            elector.start()
            assert elector.leading.wait(10)
            followed = cli("submit", job_file("followed", _job("followed", "tekton")), "--wait", "--checkout",
                           str(checkout))  # fmt: skip
            assert "operator" in followed.stderr
        finally:
            elector.stop()
            controller.stop()
    return [r for r in emulated.emulator if r.headers.get("User-Agent") not in (OPERATOR_AGENT, HELPER_AGENT)]


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    pytest.importorskip("kmock")
    from k8s_emulator import EmulatedCluster

    with EmulatedCluster() as emulated:
        requests = _user_requests(emulated, tmp_path_factory.mktemp("cli"))
    needed = {a for a in map(_authorization, requests) if a} | set(_owned_creates(requests))
    [role] = [o for o in _objects() if o["kind"] == "ClusterRole" and o["metadata"]["name"] == "nblint-operator-user"]
    return needed, [(None, rule) for rule in role["rules"]], role


def test_user_role_allows_every_request_of_the_cli(user_run):
    needed, grants, _ = user_run
    missing = _missing(needed, grants)
    assert not missing, "used but not granted:\n" + "\n".join(map(str, missing))


def test_user_role_grants_nothing_the_cli_does_not_use(user_run):
    needed, grants, role = user_run
    unused = [grant[1:] for grant in _unused(needed, grants)]
    assert not unused, "granted but never used:\n" + "\n".join(map(str, unused))
    labels = role["metadata"]["labels"]
    assert (
        labels["rbac.authorization.k8s.io/aggregate-to-edit"] == labels["rbac.authorization.k8s.io/aggregate-to-admin"]
    )
