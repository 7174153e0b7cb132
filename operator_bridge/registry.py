"""OCI registry client: does an image tag exist (for reuseIfExists)?

`HEAD /v2/<repository>/manifests/<tag>` answers 404 for an existing OCI image unless the request's
Accept header lists the OCI and Docker manifest media types, so it always sends all four. Anonymous
Bearer-token challenges (Docker Hub, Quay, GHCR) are followed. Plain http is used only for loopback
registries or when asked.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_LOOPBACK = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$")


class RegistryError(Exception):
    """The registry could not answer (unreachable, refused credentials, unexpected status)."""


@dataclass(frozen=True)
class ImageReference:
    registry: str
    repository: str
    tag: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


def parse_reference(text: str) -> ImageReference:
    """`registry.example.com:5000/team/env:tag` (Docker Hub short names get docker.io and library/)."""
    name, _, tag = text.rpartition(":") if ":" in text.rsplit("/", 1)[-1] else (text, "", "latest")
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        first, rest = "docker.io", name if "/" in name else f"library/{name}"
    return ImageReference(first, rest, tag or "latest")


def image_exists(reference: str, insecure: bool = False, timeout: float = 10) -> bool:
    ref = parse_reference(reference)
    host = "registry-1.docker.io" if ref.registry == "docker.io" else ref.registry
    scheme = "http" if insecure or _LOOPBACK.match(host) else "https"
    url = f"{scheme}://{host}/v2/{ref.repository}/manifests/{urllib.parse.quote(ref.tag)}"
    status, challenge = _head(url, None, timeout)
    if status == 401 and challenge and challenge.lower().startswith("bearer"):
        status, _ = _head(url, _token(challenge, timeout), timeout)
    if status == 200:
        return True
    if status == 404:
        return False
    raise RegistryError(f"{host} answered HTTP {status} for {ref.repository}:{ref.tag}")


def _head(url: str, token: str | None, timeout: float) -> tuple[int, str | None]:
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": ", ".join(MANIFEST_TYPES)})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("WWW-Authenticate")
    except (urllib.error.URLError, OSError) as exc:
        raise RegistryError(f"cannot reach {urllib.parse.urlsplit(url).netloc}: {exc}") from None


def _token(challenge: str, timeout: float) -> str:
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    if "realm" not in params:
        raise RegistryError(f"cannot follow the registry's challenge: {challenge}")
    query = urllib.parse.urlencode({k: v for k, v in params.items() if k in ("service", "scope")})
    try:
        with urllib.request.urlopen(f"{params['realm']}?{query}", timeout=timeout) as response:
            body = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RegistryError(f"token request to {params['realm']} failed: {exc}") from None
    return body.get("token") or body.get("access_token") or ""
