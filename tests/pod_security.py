"""The Pod Security Standards' `restricted` profile (which includes `baseline`), as a test helper.

`restricted_violations(pod_spec)` returns one line per check a pod spec fails, following the checks
of https://kubernetes.io/docs/concepts/security/pod-security-standards/ (policy version "latest"), so
an empty list means a namespace labelled `pod-security.kubernetes.io/enforce: restricted` admits it.
`pod_specs(obj)` finds the pod specs inside a workload object (Pod, Job, Deployment, ..., a Tekton
PipelineRun, whose steps become the containers of one pod per task).
"""

from __future__ import annotations

from typing import Any

_RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip
_SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
_SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
_SECCOMP_OK = {"RuntimeDefault", "Localhost"}


def _containers(pod: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for field in ("initContainers", "containers", "ephemeralContainers"):
        out += [(f"{field}[{c.get('name', i)}]", c) for i, c in enumerate(pod.get(field) or [])]
    return out


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """Every way `pod` (a PodSpec as a dict) breaks the restricted profile; empty if it passes."""
    found: list[str] = []
    pod_context = pod.get("securityContext") or {}
    containers = _containers(pod)
    # baseline
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            found.append(f"{key}: must be false")
    if (pod_context.get("windowsOptions") or {}).get("hostProcess"):
        found.append("securityContext.windowsOptions.hostProcess: must be false")
    for sysctl in pod_context.get("sysctls") or []:
        if sysctl.get("name") not in _SAFE_SYSCTLS:
            found.append(f"securityContext.sysctls: {sysctl.get('name')} is not a safe sysctl")
    found += _selinux("securityContext", pod_context)
    found += _apparmor("securityContext", pod_context)
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= _RESTRICTED_VOLUMES:
            found.append(f"volumes[{volume.get('name')}]: type {', '.join(sorted(kinds))} is not allowed")
    # restricted, pod level
    pod_non_root = pod_context.get("runAsNonRoot") is True
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    if pod_context.get("runAsUser") == 0:
        found.append("securityContext.runAsUser: must not be 0")
    if pod_seccomp is not None and pod_seccomp not in _SECCOMP_OK:
        found.append(f"securityContext.seccompProfile.type: {pod_seccomp} (RuntimeDefault or Localhost)")
    for where, container in containers:
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            found.append(f"{where}.securityContext.privileged: must be false")
        if (context.get("windowsOptions") or {}).get("hostProcess"):
            found.append(f"{where}.securityContext.windowsOptions.hostProcess: must be false")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                found.append(f"{where}.ports: hostPort {port['hostPort']} is not allowed")
        if context.get("procMount") not in (None, "Default"):
            found.append(f"{where}.securityContext.procMount: must be Default")
        found += _selinux(f"{where}.securityContext", context)
        found += _apparmor(f"{where}.securityContext", context)
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{where}.securityContext.allowPrivilegeEscalation: must be false")
        non_root = context.get("runAsNonRoot")
        if non_root is False or (non_root is None and not pod_non_root):
            found.append(f"{where}.securityContext.runAsNonRoot: must be true (here or on the pod)")
        if context.get("runAsUser") == 0:
            found.append(f"{where}.securityContext.runAsUser: must not be 0")
        seccomp = (context.get("seccompProfile") or {}).get("type")
        if seccomp is not None and seccomp not in _SECCOMP_OK:
            found.append(f"{where}.securityContext.seccompProfile.type: {seccomp} (RuntimeDefault or Localhost)")
        elif seccomp is None and pod_seccomp is None:
            found.append(f"{where}.securityContext.seccompProfile: RuntimeDefault or Localhost (here or on the pod)")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{where}.securityContext.capabilities.drop: must include ALL")
        added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            found.append(f"{where}.securityContext.capabilities.add: {', '.join(sorted(added))} not allowed")
    return found


def _selinux(where: str, context: dict[str, Any]) -> list[str]:
    options = context.get("seLinuxOptions") or {}
    out = []
    if options.get("type", "") not in _SELINUX_TYPES:
        out.append(f"{where}.seLinuxOptions.type: {options['type']} is not allowed")
    for key in ("user", "role"):
        if options.get(key):
            out.append(f"{where}.seLinuxOptions.{key}: must be unset")
    return out


def _apparmor(where: str, context: dict[str, Any]) -> list[str]:
    profile = context.get("appArmorProfile") or {}
    if profile.get("type") not in (None, "RuntimeDefault", "Localhost"):
        return [f"{where}.appArmorProfile.type: {profile['type']} is not allowed"]
    return []


def pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod specs a workload object runs (none for ConfigMaps, BuildConfigs and the like)."""
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return [spec]
    if kind == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if kind in ("Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return [spec["template"]["spec"]]
    if kind == "PipelineRun":
        template = (spec.get("taskRunTemplate") or {}).get("podTemplate") or {}
        pods = []
        for task in (spec.get("pipelineSpec") or {}).get("tasks") or []:
            task_spec = task.get("taskSpec") or {}
            pods.append({
                "securityContext": template.get("securityContext") or {},
                "containers": [{**step, "name": step.get("name")} for step in task_spec.get("steps") or []],
                "volumes": task_spec.get("volumes") or [],
            })  # fmt: skip
        return pods
    return []
