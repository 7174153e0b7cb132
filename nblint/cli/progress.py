"""What `nblint validate` prints on stderr while notebooks run.

On a terminal one line per notebook is rewritten as each cell starts and finishes (`live`). In a CI log,
where nothing may be rewritten and a silent step is killed (CircleCI after 10 minutes), `LogProgress`
prints a line when a notebook starts and when it finishes, and a heartbeat while one cell runs long.
"""

from __future__ import annotations

import threading
import time

import click


def live(path: str, cell: int | None, done: int, total: int, status: str) -> None:
    """The harness's progress callback on a terminal: one line per notebook, rewritten in place."""
    where = f"cell {cell}" if cell else "parameters"
    state = "running" if status == "not-run" else status
    end = "\n" if done == total and status != "not-run" else ""
    click.echo(f"\r\x1b[2K{path}: [{done}/{total}] {where} {state}", nl=False, err=True)
    if end or status in ("error", "timeout", "died"):
        click.echo("", err=True)


def duration(seconds: float) -> str:
    """`12.3s`, or `2m30s` from a minute on."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


class LogProgress:
    """Started/finished lines per notebook and a heartbeat every `heartbeat` seconds for a long cell.

    Safe with `--jobs`: notebooks report from worker threads, one lock guards the state and the output.
    """

    def __init__(self, heartbeat: float) -> None:
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        self._running: dict[str, tuple[int | None, float, float]] = {}  # path -> (cell, started, last line)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="nblint-heartbeat", daemon=True)

    def __enter__(self) -> LogProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _say(self, text: str) -> None:
        click.echo(f"nblint: {text}", err=True)

    def started(self, path: str) -> None:
        with self._lock:
            self._say(f"started {path}")

    def finished(self, path: str, verdict: str, seconds: float) -> None:
        with self._lock:
            self._running.pop(path, None)
            self._say(f"finished {path}: {verdict} in {duration(seconds)}")

    def cell(self, path: str, cell: int | None, done: int, total: int, status: str) -> None:
        """The harness's progress callback: called as each code cell starts (`not-run`) and ends."""
        with self._lock:
            if status == "not-run":
                now = time.monotonic()
                self._running[path] = (cell, now, now)
            else:
                self._running.pop(path, None)

    def _beat(self) -> None:
        while not self._stop.wait(min(self.heartbeat, 1.0)):
            now = time.monotonic()
            with self._lock:
                for path, (cell, started, last) in list(self._running.items()):
                    if now - last >= self.heartbeat:
                        where = f"cell {cell}" if cell else "the parameters cell"
                        self._say(f"{path}: still running {where} ({duration(now - started)})")
                        self._running[path] = (cell, started, now)
