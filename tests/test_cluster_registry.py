"""The reuse check against a real OCI registry: Debian's docker-registry on 127.0.0.1, images pushed by buildah."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import buildah, busybox_base_image
from nblint.operator_bridge.registry import RegistryError, image_exists

pytestmark = pytest.mark.skipif(
    not (shutil.which("docker-registry") and shutil.which("buildah") and shutil.which("busybox")),
    reason="docker-registry/buildah/busybox-static not installed (.ci/run installs them)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registry")
    port = _free_port()
    config = folder / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
        f"  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(registry, tmp_path_factory):
    """An OCI image pushed to the registry, as a build would."""
    work = tmp_path_factory.mktemp("push")
    storage = work / "storage"
    base = busybox_base_image(work, storage)
    reference = f"{registry}/team/nblint-env:nb-0123456789abcdef"
    result = buildah("push", "--tls-verify=false", base, f"docker://{reference}", storage=storage)
    assert result.returncode == 0, result.stderr
    return reference


def test_existing_tag_is_found(pushed):
    assert image_exists(pushed) is True


def test_missing_tag_and_missing_repository(registry, pushed):
    assert image_exists(f"{registry}/team/nblint-env:nb-ffffffffffffffff") is False
    assert image_exists(f"{registry}/nobody/nothing:latest") is False


def test_the_accept_header_is_what_makes_an_oci_image_visible(pushed):
    """Without the Accept header the registry answers 404 for this OCI image: the check would rebuild forever."""
    host, _, rest = pushed.partition("/")
    repository, _, tag = rest.rpartition(":")
    request = urllib.request.Request(f"http://{host}/v2/{repository}/manifests/{tag}", method="HEAD")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert info.value.code == 404


def test_unreachable_registry_is_a_clear_error():
    with pytest.raises(RegistryError, match=r"cannot reach 127\.0\.0\.1:9"):
        image_exists("127.0.0.1:9/team/env:tag", timeout=2)
