"""`--env requirements`: the local mirror of build-then-validate.

A virtual environment is built from the notebook's requirement sources (`--require-hashes` when they
carry hashes), ipykernel is added separately, and the result is cached under
`~/.cache/nblint/envs/<hash of the inputs>`: an unchanged environment is reused, not rebuilt. A kernelspec
pointing at that interpreter lives next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from nblint.environment.dockerfile import IPYKERNEL_PIN
from nblint.paths import cache_root

MARKER = "nblint-env.json"


class EnvBuildError(Exception):
    """The environment could not be built (the message carries pip's last lines)."""


def python_for_notebook(notebook: str) -> str:
    """The interpreter of the cached environment for this notebook's requirements (built if needed)."""
    from nblint.config import load_settings
    from nblint.environment.sources import discover

    env = discover(notebook, load_settings(Path(notebook)))
    files = [f for f in env.requirements.files if Path(f).suffix == ".txt" or Path(f).name.startswith("req")]
    hashed = env.requirements.require_hashes or any(r.hashes for r in env.requirements.requirements)
    key = _key(files, hashed)
    folder = cache_root() / "envs" / key
    python = folder / "bin" / "python"
    if (folder / MARKER).is_file() and python.exists():
        return str(python)
    _build(folder, [f for f in files if _top_level(f, env)], hashed)
    return str(python)


def _top_level(path: str, env) -> bool:
    """Only the discovered sources are passed to pip; their -r includes are followed by pip itself."""
    return any(Path(path).resolve() == Path(s.path).resolve() for s in env.sources)


def _key(files: list[str], hashed: bool) -> str:
    digest = hashlib.sha256()
    digest.update(f"{sys.version_info[:3]}|{sys.executable}|{IPYKERNEL_PIN}|{hashed}".encode())
    for file in sorted(files):
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()[:20]


def _build(folder: Path, files: list[str], hashed: bool) -> None:
    if folder.exists():
        shutil.rmtree(folder)  # a half-built environment from an interrupted run
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + f".building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(tmp)], "create the virtual environment")
    pip = [str(tmp / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if files:
        args = [*(["--require-hashes"] if hashed else []), *[a for f in files for a in ("-r", f)]]
        _run([*pip, *args], "install the requirements")
    _run([*pip, IPYKERNEL_PIN], "install ipykernel")
    (tmp / MARKER).write_text(json.dumps({"files": files, "hashed": hashed}), encoding="utf-8")
    os.replace(tmp, folder)
    # venv scripts hold absolute paths: rewrite the interpreter path of the renamed folder.
    _fix_shebangs(folder, tmp)


def _fix_shebangs(folder: Path, old: Path) -> None:
    for script in (folder / "bin").iterdir():
        try:
            text = script.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if str(old) in text:
            script.write_text(text.replace(str(old), str(folder)), encoding="utf-8")
    cfg = folder / "pyvenv.cfg"
    if cfg.exists():
        cfg.write_text(cfg.read_text(encoding="utf-8").replace(str(old), str(folder)), encoding="utf-8")


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise EnvBuildError(f"could not {what}: {tail}")


def kernel_for(python: str) -> str:
    """Register (once) a kernelspec that runs `python`; returns its name."""
    name = "nblint-" + hashlib.sha256(python.encode()).hexdigest()[:12]
    spec_dir = cache_root() / "kernels" / name
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"nblint env ({python})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return name


def kernel_dirs() -> list[str]:
    return [str(cache_root() / "kernels")]
