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
from nblint.folders import once_per_run

# import name -> distributions that provide it, as PyPI spells them (the first is the usual one). A dotted
# key ("google.protobuf") is more precise than its top-level module and wins over it. Names that
# match after PEP 503 normalisation (`pytorch_lightning` -> `pytorch-lightning`) need no entry.
IMPORT_TO_DISTS: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "sklearn_extra": ("scikit-learn-extra",),
    "skmultilearn": ("scikit-multilearn",),
    "sksurv": ("scikit-survival",),
    "skfuzzy": ("scikit-fuzzy",),
    "skopt": ("scikit-optimize",),
    "skvideo": ("scikit-video",),
    "imblearn": ("imbalanced-learn",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "yaml": ("PyYAML",),
    "ruamel": ("ruamel.yaml",),
    "PIL": ("Pillow",),
    "bs4": ("beautifulsoup4",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "decouple": ("python-decouple",),
    "jwt": ("PyJWT",),
    "jose": ("python-jose",),
    "Crypto": ("pycryptodome", "pycryptodomex"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyOpenSSL",),
    "attr": ("attrs",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "magic": ("python-magic",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "slugify": ("python-slugify",),
    "gi": ("PyGObject",),
    "wx": ("wxPython",),
    "cairo": ("pycairo",),
    "OpenGL": ("PyOpenGL",),
    "Xlib": ("python-xlib",),
    "MySQLdb": ("mysqlclient",),
    "mysql": ("mysql-connector-python",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "snowflake.connector": ("snowflake-connector-python",),
    "snowflake.snowpark": ("snowflake-snowpark-python",),
    "snowflake": ("snowflake-connector-python", "snowflake-snowpark-python"),
    "impala": ("impyla",),
    "cassandra": ("cassandra-driver",),
    "bson": ("pymongo",),
    "gridfs": ("pymongo",),
    "delta": ("delta-spark",),
    "Levenshtein": ("Levenshtein", "python-Levenshtein"),
    "fitz": ("PyMuPDF",),
    "pdfminer": ("pdfminer.six",),
    "tabula": ("tabula-py",),
    "camelot": ("camelot-py",),
    "kafka": ("kafka-python",),
    "paho": ("paho-mqtt",),
    "websocket": ("websocket-client",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "vcr": ("vcrpy",),
    "factory": ("factory-boy",),
    "google.protobuf": ("protobuf",),
    "google.cloud.storage": ("google-cloud-storage",),
    "google.cloud.bigquery": ("google-cloud-bigquery",),
    "google.cloud.aiplatform": ("google-cloud-aiplatform",),
    "google.generativeai": ("google-generativeai",),
    "google.auth": ("google-auth",),
    "google.oauth2": ("google-auth",),
    "google": ("protobuf", "google-cloud-storage", "google-cloud-bigquery", "google-api-python-client",
               "google-auth", "google-cloud-aiplatform", "google-generativeai"),
    "googleapiclient": ("google-api-python-client",),
    "apiclient": ("google-api-python-client",),
    "grpc": ("grpcio",),
    "zmq": ("pyzmq",),
    "capnp": ("pycapnp",),
    "Bio": ("biopython",),
    "mpl_toolkits.basemap": ("basemap",),
    "mpl_toolkits": ("matplotlib", "basemap"),
    "pkg_resources": ("setuptools",),
    "absl": ("absl-py",),
    "osgeo": ("GDAL",),
    "telegram": ("python-telegram-bot",),
    "discord": ("discord.py",),
    "slack": ("slackclient",),
    "binance": ("python-binance",),
    "talib": ("TA-Lib",),
    "zipline": ("zipline-reloaded",),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "win32con": ("pywin32",),
    "pythoncom": ("pywin32",),
    "pywintypes": ("pywin32",),
    "tensorflow_hub": ("tensorflow-hub",),
    "official": ("tf-models-official",),
    "umap": ("umap-learn",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "haiku": ("dm-haiku",),
    "sonnet": ("dm-sonnet",),
    "tree": ("dm-tree",),
    "pyro": ("pyro-ppl",),
    "stan": ("pystan",),
    "paddle": ("paddlepaddle",),
    "whisper": ("openai-whisper",),
    "pycrfsuite": ("python-crfsuite",),
    "Stemmer": ("PyStemmer",),
    "community": ("python-louvain",),
    "pywt": ("PyWavelets",),
    "ffmpeg": ("ffmpeg-python",),
    "z3": ("z3-solver",),
    "antlr4": ("antlr4-python3-runtime",),
    "iris": ("scitools-iris",),
    "ibis": ("ibis-framework",),
    "darts": ("u8darts", "darts"),
    "RPi": ("RPi.GPIO",),
    "board": ("adafruit-blinka",),
    "can": ("python-can",),
    "bluetooth": ("PyBluez",),
    "nmap": ("python-nmap",),
    "whois": ("python-whois",),
    "barcode": ("python-barcode",),
    "snappy": ("python-snappy",),
    "azureml": ("azureml-core",),
    "office365": ("Office365-REST-Python-Client",),
    "atlassian": ("atlassian-python-api",),
    "consul": ("python-consul",),
    "pydantic_settings": ("pydantic-settings",),
    "dns": ("dnspython",),
    "nacl": ("PyNaCl",),
    "git": ("GitPython",),
    "github": ("PyGithub",),
    "gitlab": ("python-gitlab",),
    "ldap": ("python-ldap",),
    "mlflow": ("mlflow", "mlflow-skinny"),
    "speech_recognition": ("SpeechRecognition",),
    # Same name, listed so that `known_third_party` recognises them when sys.path is extended.
    "sentencepiece": ("sentencepiece",),
    "lightgbm": ("lightgbm",),
    "hdbscan": ("hdbscan",),
    "tree_sitter": ("tree-sitter",),
    "lxml": ("lxml",),
    "markdown": ("Markdown",),
    "openshift": ("openshift",),
    "kubernetes": ("kubernetes",),
    "prometheus_api_client": ("prometheus-api-client",),
    "prometheus_client": ("prometheus-client",),
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


def _table_entry(module: str) -> tuple[str, ...]:
    """The table's distributions for a (dotted) module: its longest listed prefix."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        found = IMPORT_TO_DISTS.get(".".join(parts[:end]))
        if found:
            return found
    return ()


def dists_for_import(module: str) -> set[str]:
    """Normalised distribution names that may provide module `module` (dotted or top-level)."""
    top = module.split(".")[0]
    found = {normalize(d) for d in _table_entry(module)}
    found.add(normalize(top))
    found |= {normalize(d) for d in _installed().get(top, ())}
    return found


def distribution_name(module: str) -> str:
    """The distribution to install for `module`, as PyPI spells it: `sklearn` -> `scikit-learn`."""
    listed = _table_entry(module)
    if listed:
        return listed[0]
    top = module.split(".")[0]
    installed = _installed().get(top)
    return installed[0] if installed else top.replace("_", "-")


def known_third_party(module: str) -> bool:
    """Is `module` a distribution we know of, from the table or installed metadata?"""
    return module in IMPORT_TO_DISTS or module in _installed()


def imports_for_dist(dist: str) -> set[str]:
    """Top-level modules a distribution (normalised name) provides."""
    names = {module.split(".")[0] for module, dists in IMPORT_TO_DISTS.items() if dist in map(normalize, dists)}
    names.add(dist.replace("-", "_"))
    names |= {module for module, dists in _installed().items() if dist in {normalize(d) for d in dists}}
    return names


@once_per_run
def local_modules(*folders: Path) -> frozenset[str]:
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
    return frozenset(names)


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
