"""Import names and distributions: which distribution provides an import, without needing it installed.

A maintained table covers the common cases where the import name and the
distribution name differ; otherwise the names match after PEP 503
normalisation. Installed metadata (`packages_distributions()`) is consulted
last and lazily: it scans site-packages and costs tens of milliseconds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nblint.environment.requirement import normalize

# import name -> distributions that provide it (normalised names)
IMPORT_TO_DISTS: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "yaml": ("pyyaml",),
    "ruamel": ("ruamel-yaml",),
    "PIL": ("pillow",),
    "bs4": ("beautifulsoup4",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("pyjwt",),
    "jose": ("python-jose",),
    "Crypto": ("pycryptodome", "pycryptodomex"),
    "OpenSSL": ("pyopenssl",),
    "attr": ("attrs",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "magic": ("python-magic",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "slugify": ("python-slugify",),
    "gi": ("pygobject",),
    "wx": ("wxpython",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "Levenshtein": ("python-levenshtein", "levenshtein"),
    "fitz": ("pymupdf",),
    "kafka": ("kafka-python",),
    "google": ("protobuf", "google-cloud-storage", "google-cloud-bigquery", "google-api-python-client",
               "google-auth", "google-cloud-aiplatform", "google-generativeai"),
    "googleapiclient": ("google-api-python-client",),
    "grpc": ("grpcio",),
    "zmq": ("pyzmq",),
    "Bio": ("biopython",),
    "mpl_toolkits": ("matplotlib", "basemap"),
    "pkg_resources": ("setuptools",),
    "absl": ("absl-py",),
    "osgeo": ("gdal",),
    "telegram": ("python-telegram-bot",),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "sentencepiece": ("sentencepiece",),
    "tensorflow_hub": ("tensorflow-hub",),
    "lightgbm": ("lightgbm",),
    "umap": ("umap-learn",),
    "hdbscan": ("hdbscan",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "pydantic_settings": ("pydantic-settings",),
    "tree_sitter": ("tree-sitter",),
    "dns": ("dnspython",),
    "nacl": ("pynacl",),
    "git": ("gitpython",),
    "github": ("pygithub",),
    "gitlab": ("python-gitlab",),
    "ldap": ("python-ldap",),
    "lxml": ("lxml",),
    "markdown": ("markdown",),
    "mlflow": ("mlflow", "mlflow-skinny"),
    "openshift": ("openshift",),
    "kubernetes": ("kubernetes",),
    "prometheus_api_client": ("prometheus-api-client",),
    "prometheus_client": ("prometheus-client",),
    "speech_recognition": ("speechrecognition",),
    "torch": ("torch",),
    "xgboost": ("xgboost",),
}  # fmt: skip

# Modules every Jupyter kernel has: importing them needs no declaration.
KERNEL_PROVIDED = frozenset({"IPython", "ipykernel", "ipywidgets_kernel", "traitlets", "jupyter_client", "comm"})

# Declared for what they do at run time, not for an import: never "unused".
RUNTIME_ONLY = frozenset(
    map(normalize, {
        "ipykernel", "jupyter", "jupyterlab", "notebook", "nbconvert", "papermill", "nbclient", "nblint",
        "pyarrow", "fastparquet", "openpyxl", "xlrd", "xlsxwriter", "odfpy", "tables", "lxml", "html5lib",
        "tabulate", "sqlalchemy", "psycopg2", "psycopg2-binary", "pymysql", "s3fs", "gcsfs", "adlfs", "fsspec",
        "numexpr", "bottleneck", "matplotlib", "kaleido", "scipy", "setuptools", "wheel", "pip", "gunicorn",
        "uvicorn", "certifi", "urllib3", "python-dotenv", "ipywidgets", "widgetsnbextension", "jinja2",
        "pytest", "ruff", "black", "mypy", "pre-commit", "nbstripout", "boto3", "botocore", "tzdata", "pytz",
    })
)  # fmt: skip


def dists_for_import(module: str) -> set[str]:
    """Normalised distribution names that may provide top-level module `module`."""
    found = set(IMPORT_TO_DISTS.get(module, ()))
    found.add(normalize(module))
    found |= {normalize(d) for d in _installed().get(module, ())}
    return found


def known_third_party(module: str) -> bool:
    """Is `module` a distribution we know of, from the table or installed metadata?"""
    return module in IMPORT_TO_DISTS or module in _installed()


def imports_for_dist(dist: str) -> set[str]:
    """Top-level modules a distribution (normalised name) provides."""
    names = {module for module, dists in IMPORT_TO_DISTS.items() if dist in dists}
    names.add(dist.replace("-", "_"))
    names |= {module for module, dists in _installed().items() if dist in {normalize(d) for d in dists}}
    return names


def local_modules(*folders: Path) -> set[str]:
    """Modules and packages in these folders (and their `src/`): importable without a distribution."""
    names = set()
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and not entry.name.startswith("."):
                names.add(entry.name)
        if (folder / "src").is_dir():
            names |= {e.name for e in (folder / "src").iterdir() if e.is_dir()}
    return names


@cache
def _installed() -> dict[str, list[str]]:
    """`packages_distributions()`, kept on disk until a site-packages folder changes.

    Scanning site-packages costs ~0.3 s with a few hundred packages installed, more than linting a
    notebook; a folder's mtime changes whenever a package is installed into it or removed. Only
    site-/dist-packages folders count: `python -m nblint` puts the working directory on sys.path, and a
    report written there must not invalidate the map. One cache file per interpreter, rewritten in place.
    """
    import json
    import os
    import sys
    import zlib

    stamps = site_stamps()
    from nblint.paths import cache_root

    cache_dir = cache_root()
    cache_file = cache_dir / f"dists-{zlib.crc32(sys.executable.encode()):08x}.json"
    try:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if cached.get("stamps") == stamps:
            return cached["map"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    from importlib.metadata import packages_distributions

    try:
        found = packages_distributions()
    except Exception:  # broken metadata in someone's site-packages must not break linting
        return {}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stamps": stamps, "map": found}), encoding="utf-8")
        os.replace(tmp, cache_file)
    except OSError:
        pass  # a read-only home: just slower next time
    return found


def site_stamps() -> list[str]:
    """The site-/dist-packages folders on sys.path with their mtimes: they change with every install."""
    import os
    import sys

    stamps = []
    for entry in sys.path:
        if os.path.basename(entry.rstrip(os.sep)) in ("site-packages", "dist-packages"):
            try:
                stamps.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
            except OSError:
                continue
    return stamps
