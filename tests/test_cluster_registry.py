"""The reuse check against a real OCI registry: Debian's docker-registry on 127.0.0.1, images pushed by buildah."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.parse
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


# -- a registry that needs credentials: htpasswd (Basic) auth behind TLS from a CA the test makes ---------------


def _openssl(*args: str, cwd) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def secure_registry(tmp_path_factory):
    """docker-registry on 127.0.0.1 with TLS (certificate signed by a fresh CA) and htpasswd users."""
    if not (shutil.which("openssl") and shutil.which("htpasswd")):
        pytest.skip("openssl/htpasswd (apache2-utils) not installed")
    folder = tmp_path_factory.mktemp("secure-registry")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-subj", "/CN=nblint test CA", "-days", "2", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "2", "-extfile", "san.cnf", cwd=folder)  # fmt: skip
    users = subprocess.run(["htpasswd", "-Bbn", "builder", "s3cret-pass"], check=True, capture_output=True, text=True)
    (folder / "htpasswd").write_text(users.stdout)
    port = _free_port()
    config = folder / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
        f"auth:\n  htpasswd:\n    realm: nblint-test\n    path: {folder / 'htpasswd'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  tls:\n    certificate: {folder / 'server.crt'}\n"
        f"    key: {folder / 'server.key'}\n"
    )
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    host = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    certs = folder / "certs"  # buildah's --cert-dir layout
    certs.mkdir()
    shutil.copy(folder / "ca.crt", certs / "ca.crt")
    yield {"host": host, "ca": folder / "ca.crt", "certs": certs, "folder": folder}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def secure_pushed(secure_registry, tmp_path_factory):
    """An image pushed with credentials and the CA, as a build would; returns (tag reference, digest reference)."""
    work = tmp_path_factory.mktemp("secure-push")
    storage = work / "storage"
    base = busybox_base_image(work, storage)
    reference = f"{secure_registry['host']}/team/nblint-env:nb-00000000000000aa"
    digest_file = work / "digest"
    result = buildah("push", "--cert-dir", str(secure_registry["certs"]), "--creds", "builder:s3cret-pass",
                     "--digestfile", str(digest_file), base, f"docker://{reference}", storage=storage)  # fmt: skip
    assert result.returncode == 0, result.stderr
    digest = digest_file.read_text().strip()
    return reference, f"{secure_registry['host']}/team/nblint-env@{digest}"


def _config_json(path, host, user="builder", password="s3cret-pass"):
    import base64
    import json

    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    path.write_text(json.dumps({"auths": {f"https://{host}": {"auth": token}}}))
    return path


def test_credentials_from_a_docker_config_json_and_a_custom_ca(secure_registry, secure_pushed, tmp_path):
    from nblint.operator_bridge.registry import load_auths

    tag_ref, digest_ref = secure_pushed
    auths = load_auths(_config_json(tmp_path / "config.json", secure_registry["host"]))
    ca = secure_registry["ca"]
    assert image_exists(tag_ref, auths=auths, ca_file=ca) is True
    assert image_exists(digest_ref, auths=auths, ca_file=ca) is True  # digests, not only tags
    assert image_exists(tag_ref.replace("00aa", "00bb"), auths=auths, ca_file=ca) is False


def test_the_users_auth_file_is_found_by_default(secure_registry, secure_pushed, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(_config_json(tmp_path / "auth.json", secure_registry["host"])))
    assert image_exists(secure_pushed[0], ca_file=secure_registry["ca"]) is True


def test_credentials_from_an_image_pull_secret(secure_registry, secure_pushed, tmp_path):
    import base64

    from nblint.operator_bridge.registry import auths_from_pull_secret

    config = _config_json(tmp_path / "config.json", secure_registry["host"]).read_bytes()
    secret = {
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(config).decode()},
    }
    auths = auths_from_pull_secret(secret)
    assert image_exists(secure_pushed[1], auths=auths, ca_file=secure_registry["ca"]) is True


def test_missing_or_wrong_credentials_and_an_unknown_ca_are_clear_errors(secure_registry, secure_pushed, tmp_path):
    from nblint.operator_bridge.registry import load_auths

    tag_ref, _ = secure_pushed
    with pytest.raises(RegistryError, match="needs credentials"):
        image_exists(tag_ref, auths={}, ca_file=secure_registry["ca"])
    wrong = load_auths(_config_json(tmp_path / "wrong.json", secure_registry["host"], password="nope"))
    with pytest.raises(RegistryError, match="refused the credentials"):
        image_exists(tag_ref, auths=wrong, ca_file=secure_registry["ca"])
    good = load_auths(_config_json(tmp_path / "good.json", secure_registry["host"]))
    with pytest.raises(RegistryError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        other_ca = secure_registry["folder"] / "server.crt"  # not the CA that signed it
        image_exists(tag_ref, auths=good, ca_file=other_ca)


def test_reference_parsing():
    from nblint.operator_bridge.registry import parse_reference

    digest = "sha256:" + "a" * 64
    ref = parse_reference(f"registry.example.com:5000/team/env@{digest}")
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        "registry.example.com:5000",
        "team/env",
        digest,
        True,
    )
    assert str(ref) == f"registry.example.com:5000/team/env@{digest}"
    assert parse_reference("python:3.11").repository == "library/python"
    assert parse_reference("localhost:5000/env").tag == "latest"


# -- Bearer tokens: docker-registry's token auth, with a token server the test runs ------------------------------


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: dict, key, cert_der: bytes, folder) -> str:
    """An RS256 JWT whose x5c header carries the signing certificate (signed by openssl: no crypto library here)."""
    import base64
    import json

    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(cert_der).decode()]}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    (folder / "input").write_text(signing_input)
    signed = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key), str(folder / "input")],
                            check=True, capture_output=True)  # fmt: skip
    return f"{signing_input}.{_b64url(signed.stdout)}"


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory):
    """docker-registry with `auth: token`; the token server grants pull/push to builder:s3cret-pass only."""
    import base64
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    folder = tmp_path_factory.mktemp("token-registry")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key", "-out", "token.crt",
             "-subj", "/CN=nblint token issuer", "-days", "2", cwd=folder)  # fmt: skip
    _openssl("x509", "-in", "token.crt", "-outform", "DER", "-out", "token.der", cwd=folder)
    cert_der = (folder / "token.der").read_bytes()
    requests = []

    class Tokens(BaseHTTPRequestHandler):
        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            expected = "Basic " + base64.b64encode(b"builder:s3cret-pass").decode()
            authorized = self.headers.get("Authorization") == expected
            requests.append(authorized)
            access = []
            for scope in query.get("scope", []) if authorized else []:
                kind, name, actions = scope.split(":")
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
            now = int(time.time())
            claims = {"iss": "nblint-test", "sub": "builder", "aud": "nblint-registry", "exp": now + 300,
                      "nbf": now - 10, "iat": now, "jti": str(now) + str(len(requests)), "access": access}  # fmt: skip
            body = json.dumps({"token": _jwt(claims, folder / "token.key", cert_der, folder)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tokens)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = _free_port()
    config = folder / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
        f"auth:\n  token:\n    realm: http://127.0.0.1:{server.server_port}/token\n    service: nblint-registry\n"
        f"    issuer: nblint-test\n    rootcertbundle: {folder / 'token.crt'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield {"host": f"127.0.0.1:{port}", "requests": requests}
    proc.terminate()
    proc.wait(timeout=10)
    server.shutdown()


def test_bearer_token_auth_with_credentials(token_registry, tmp_path):
    from nblint.operator_bridge.registry import Credentials

    work = tmp_path / "push"
    storage = work / "storage"
    base = busybox_base_image(work, storage)
    reference = f"{token_registry['host']}/team/nblint-env:nb-00000000000000cc"
    pushed = buildah("push", "--tls-verify=false", "--creds", "builder:s3cret-pass", base, f"docker://{reference}",
                     storage=storage)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    auths = {token_registry["host"]: Credentials("builder", "s3cret-pass")}
    before = len(token_registry["requests"])
    assert image_exists(reference, auths=auths) is True
    assert token_registry["requests"][before:] == [True]  # the token was asked for with the credentials
    assert image_exists(reference.replace("00cc", "00dd"), auths=auths) is False
    with pytest.raises(RegistryError, match="refused anonymous access"):
        image_exists(reference, auths={})  # an anonymous token grants nothing here
