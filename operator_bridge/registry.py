"""OCI registry client: does an image exist (for reuseIfExists)?

`HEAD /v2/<repository>/manifests/<tag or digest>` answers 404 for an existing OCI image unless the
request's Accept header lists the OCI and Docker manifest media types, so it always sends all four.
A 401 is answered the way `docker` and `buildah` answer it: Basic credentials, or a Bearer token
fetched from the challenge's realm (with the credentials, when there are any; anonymously otherwise).
Credentials come from a docker `config.json` / containers `auth.json` (the user's, or the one given),
or from an image pull Secret's `.dockerconfigjson`. A custom CA (`ca_file`) verifies the registry's
TLS. Plain http is used only for loopback registries without a CA, or when asked.
"""

from __future__ import annotations

import base64
import json
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_LOOPBACK = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$")
_DOCKER_HUB = {"docker.io", "index.docker.io", "registry-1.docker.io"}


class RegistryError(Exception):
    """The registry could not answer (unreachable, refused credentials, unexpected status)."""


@dataclass(frozen=True)
class ImageReference:
    registry: str
    repository: str
    tag: str  # a tag, or a digest (`sha256:...`) when `digest` is set
    digest: bool = False

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}{'@' if self.digest else ':'}{self.tag}"


@dataclass(frozen=True)
class Credentials:
    username: str = ""
    password: str = ""
    identity_token: str = ""  # an OAuth refresh token (`docker login` to some registries stores this)


def parse_reference(text: str) -> ImageReference:
    """`registry.example.com:5000/team/env:tag`, `.../env@sha256:...` (Docker Hub short names get
    docker.io and library/)."""
    name, at, digest = text.partition("@")
    if at:
        tag = digest
    elif ":" in name.rsplit("/", 1)[-1]:
        name, _, tag = name.rpartition(":")
    else:
        tag = "latest"
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        first, rest = "docker.io", name if "/" in name else f"library/{name}"
    return ImageReference(first, rest, tag or "latest", digest=bool(at))


def load_auths(path: str | Path | None = None) -> dict[str, Credentials]:
    """Credentials by registry host from a docker config.json / containers auth.json: the given file, else
    $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, $DOCKER_CONFIG/config.json, ~/.docker/config.json
    (the first that exists). Credential helpers (credsStore) are not run."""
    if path is None:
        candidates = [os.environ.get("REGISTRY_AUTH_FILE")]
        if os.environ.get("XDG_RUNTIME_DIR"):
            candidates.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "containers", "auth.json"))
        candidates.append(os.path.join(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker", "config.json"))
        path = next((c for c in candidates if c and os.path.isfile(c)), None)
        if path is None:
            return {}
    try:
        return auths_from_config(Path(path).read_bytes())
    except OSError as exc:
        raise RegistryError(f"cannot read the registry auth file {path}: {exc.strerror or exc}") from None


def auths_from_pull_secret(secret: dict) -> dict[str, Credentials]:
    """Credentials from an image pull Secret (kubernetes.io/dockerconfigjson or the older dockercfg), as the
    API returns it (`data` base64-encoded)."""
    data = secret.get("data") or {}
    for key in (".dockerconfigjson", ".dockercfg"):
        if key in data:
            try:
                raw = base64.b64decode(data[key], validate=True)
            except ValueError:
                raise RegistryError(f"the pull Secret's {key} is not base64") from None
            return auths_from_config(raw if key == ".dockerconfigjson" else b'{"auths": %s}' % raw)
    raise RegistryError("the pull Secret has no .dockerconfigjson")


def auths_from_config(raw: bytes) -> dict[str, Credentials]:
    try:
        config = json.loads(raw)
    except ValueError:
        raise RegistryError("the registry auth file is not JSON") from None
    auths = config.get("auths") if isinstance(config, dict) else None
    found: dict[str, Credentials] = {}
    for key, entry in (auths or {}).items():
        if not isinstance(entry, dict):
            continue
        username, password = entry.get("username") or "", entry.get("password") or ""
        if entry.get("auth"):
            try:
                username, _, password = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
            except ValueError:
                raise RegistryError(f"the auth entry for {key} is not base64 user:password") from None
        found[_host(key)] = Credentials(username, password, entry.get("identitytoken") or "")
    return found


def _host(key: str) -> str:
    """`https://index.docker.io/v1/`, `quay.io`, `http://host:5000/path` -> the host[:port]."""
    host = urllib.parse.urlsplit(key if "://" in key else f"//{key}").netloc or key
    return "docker.io" if host in _DOCKER_HUB else host


def image_exists(
    reference: str,
    insecure: bool = False,
    timeout: float = 10,
    auths: dict[str, Credentials] | None = None,
    ca_file: str | Path | None = None,
) -> bool:
    """Whether the tag (or digest) is in the registry. `auths` defaults to the user's auth file."""
    ref = parse_reference(reference)
    host = "registry-1.docker.io" if ref.registry == "docker.io" else ref.registry
    scheme = "http" if insecure or (_LOOPBACK.match(host) and not ca_file) else "https"
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    credentials = (load_auths() if auths is None else auths).get(_host(ref.registry))
    url = f"{scheme}://{host}/v2/{ref.repository}/manifests/{urllib.parse.quote(ref.tag, safe=':')}"
    status, challenge = _head(url, None, timeout, context)
    if status == 401 and challenge:
        scheme_name = challenge.split(None, 1)[0].lower()
        if scheme_name == "basic":
            if credentials is None:
                raise RegistryError(f"{ref.registry} needs credentials (none in the auth file for this host)")
            status, _ = _head(url, "Basic " + _basic(credentials), timeout, context)
        elif scheme_name == "bearer":
            token = _token(challenge, credentials, timeout, context)
            status, _ = _head(url, f"Bearer {token}", timeout, context)
    if status == 200:
        return True
    if status == 404:
        return False
    if status in (401, 403):
        who = "the credentials" if credentials else "anonymous access"
        raise RegistryError(f"{ref.registry} refused {who} for {ref.repository} (HTTP {status})")
    raise RegistryError(f"{ref.registry} answered HTTP {status} for {ref.repository}:{ref.tag}")


def _basic(credentials: Credentials) -> str:
    return base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode("ascii")


def _open(request: urllib.request.Request, timeout: float, context):
    try:
        return urllib.request.urlopen(request, timeout=timeout, context=context)
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryError(f"cannot reach {urllib.parse.urlsplit(request.full_url).netloc}: {reason}") from None


def _head(url: str, authorization: str | None, timeout: float, context) -> tuple[int, str | None]:
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": ", ".join(MANIFEST_TYPES)})
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with _open(request, timeout, context) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("WWW-Authenticate")


def _token(challenge: str, credentials: Credentials | None, timeout: float, context) -> str:
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    if "realm" not in params:
        raise RegistryError(f"cannot follow the registry's challenge: {challenge[:200]}")
    query = urllib.parse.urlencode({k: v for k, v in params.items() if k in ("service", "scope")})
    request = urllib.request.Request(f"{params['realm']}?{query}")
    if credentials and credentials.identity_token:
        body = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": credentials.identity_token,
                                       "service": params.get("service", ""), "scope": params.get("scope", ""),
                                       "client_id": "nblint"}).encode()  # fmt: skip
        request = urllib.request.Request(params["realm"], data=body, method="POST")
    elif credentials:
        request.add_header("Authorization", "Basic " + _basic(credentials))
    try:
        with _open(request, timeout, context) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise RegistryError(f"token request to {params['realm']} failed: HTTP {exc.code}") from None
    except ValueError:
        raise RegistryError(f"token request to {params['realm']} answered no JSON") from None
    return answer.get("token") or answer.get("access_token") or ""
