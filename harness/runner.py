"""Execute a notebook with a real Jupyter kernel (nbclient + ipykernel), cell by cell.

The probe (probe.py) is sent into the kernel first. Each code cell is executed on its own so the run can
stop at the first failure, enforce a per-cell and a whole-run deadline, and tell a dead kernel from a
failing cell. The probe's messages are collected and removed from the outputs that are kept.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nblint.harness.probe import MIME, REPLY_KEY, decode

MAX_STREAM_CHARS = 1_000_000  # keep at most this much of one cell's stream output, all its writes together
SKIP_TAGS = frozenset(("skip-execution", "nbval-skip", "nblint-skip"))  # nbmake, nbval, ours
SKIP_TOOLS = ("nblint", "nbreg", "papermill", "nbmake")  # cell metadata {tool: {"skip": true}}
RAISES_TAG = "raises-exception"  # nbval / nbmake / nbclient: the cell is expected to raise
# colour and cursor codes, as kernels print them into tracebacks: not text
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


_CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")
_EXIT_HINT = re.compile(r"^.*UserWarning: To exit: use 'exit', 'quit', or Ctrl-D\.\n(?:.*warn\(\"To exit.*\n)?", re.M)


class RunnerError(Exception):
    """The notebook could not be run at all (no such kernel, kernel never started): exit 2."""


@dataclass
class CellRun:
    """What running one cell gave: its status and duration, the probe's report, any error and stderr."""

    index: int  # position in the executed notebook
    status: str = "not-run"  # ok | error | timeout | died | skipped | not-run
    duration_s: float = 0.0
    probe: dict[str, Any] | None = None
    error: dict[str, Any] | None = None  # ename, evalue, line
    stderr: str = ""  # stderr text that is not a warning
    expects_error: bool = False  # tagged raises-exception: an exception passes, none is the finding


@dataclass
class KernelRun:
    """What happened when the kernel ran the notebook: one record per cell, in executed order."""

    cells: list[CellRun] = field(default_factory=list)
    kernel_stderr: str = ""
    duration_s: float = 0.0
    whole_run_timeout: bool = False
    probe_installed: bool = False
    kernel_exit: str | None = None  # how the kernel process ended, when it died


def run_notebook(
    nb,
    *,
    cwd: Path,
    kernel_name: str,
    cell_timeout: float,
    total_timeout: float | None,
    startup_timeout: float = 60,
    progress=None,
) -> KernelRun:
    """Execute `nb` (an nbformat NotebookNode, changed in place) and return what happened in each cell.

    `progress(index, record)` is called before each code cell runs and again when it has finished.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    started = time.monotonic()
    deadline = started + total_timeout if total_timeout else None
    run = KernelRun(cells=[CellRun(i) for i in range(len(nb.cells))])
    client = NotebookClient(
        nb,
        km=_kernel_manager(kernel_name),
        timeout=_whole_seconds(cell_timeout),
        kernel_name=kernel_name,
        allow_errors=True,
        interrupt_on_timeout=False,
        startup_timeout=int(startup_timeout),
        resources={"metadata": {"path": str(cwd)}},
    )
    replies: dict[int, dict] = {}
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply)
    started_kernel = False
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as kernel_err:
        try:
            with client.setup_kernel(stderr=kernel_err):
                started_kernel = True
                run.probe_installed = _install_probe(client)
                stop = False
                for index, cell in enumerate(nb.cells):
                    record = run.cells[index]
                    if cell.cell_type != "code" or stop:
                        continue
                    if skipped(cell):
                        record.status = "skipped"
                        continue
                    record.expects_error = RAISES_TAG in _tags(cell)
                    limit = cell_timeout
                    if deadline is not None:
                        limit = min(limit, max(deadline - time.monotonic(), 0.1))
                    client.timeout = _whole_seconds(limit)
                    if progress:
                        progress(index, record)
                    t0 = time.monotonic()
                    try:
                        client.execute_cell(cell, index)
                        record.status = "ok"
                    except CellTimeoutError:
                        record.status = "timeout"
                        run.whole_run_timeout = limit < cell_timeout
                        _interrupt_then_kill(client)
                        stop = True
                    except DeadKernelError:
                        record.status = "error" if _drain(client, cell, index) else "died"
                        run.kernel_exit = _exit_status(client)
                        stop = True
                    record.duration_s = time.monotonic() - t0
                    _collect(cell, record, replies.pop(index, None))
                    failed = record.error and not _clean_exit(record.error) and not record.expects_error
                    if record.status == "ok" and failed:
                        record.status = "error"
                        stop = True
                    if progress:
                        progress(index, record)
        except NoSuchKernel:
            raise RunnerError(_no_kernel_message(kernel_name)) from None
        except RuntimeError as exc:
            if not started_kernel and ("didn't respond" in str(exc) or "Kernel died before replying" in str(exc)):
                raise RunnerError(f"kernel {kernel_name!r} did not start within {startup_timeout:g} s: {exc}") from None
            raise
        finally:
            _shutdown(client)
            kernel_err.seek(0)
            run.kernel_stderr = kernel_err.read(1_000_000)
    run.duration_s = time.monotonic() - started
    return run


def _tags(cell) -> list:
    tags = cell.get("metadata", {}).get("tags", [])
    return tags if isinstance(tags, list) else []


def skipped(cell) -> bool:
    """The peers' skip conventions: nbmake's `skip-execution` and nbval's `nbval-skip` tags, an
    `# NBVAL_SKIP` first line, and `{"nblint"|"nbreg"|"papermill"|"nbmake": {"skip": true}}` cell metadata."""
    if SKIP_TAGS.intersection(t for t in _tags(cell) if isinstance(t, str)):
        return True
    if cell.get("source", "").lstrip().startswith("# NBVAL_SKIP"):
        return True
    metadata = cell.get("metadata", {})
    return any(isinstance(metadata.get(tool), dict) and metadata[tool].get("skip") is True for tool in SKIP_TOOLS)


def _drain(client, cell, index: int) -> bool:
    """The kernel died: read what it sent before dying (outputs still queued on iopub) into the cell, so the
    verdict does not depend on which of nbclient's tasks noticed first. True if the cell had raised."""
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellExecutionComplete

    get = run_sync(client.kc.iopub_channel.get_msg)
    while True:
        try:
            msg = get(timeout=0.2)
        except Exception:  # queue empty (or the channel is gone): everything sent has been read
            break
        if msg.get("parent_header", {}).get("msg_type") != "execute_request":
            continue
        try:
            client.process_message(msg, cell, index)
        except CellExecutionComplete:
            continue
        except Exception:
            break
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def _kernel_manager(kernel_name: str):
    """A kernel manager that also finds the kernelspecs of environments nblint built (--env requirements)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nblint.harness.envbuild import kernel_dirs

    specs = KernelSpecManager()
    specs.kernel_dirs = [*kernel_dirs(), *specs.kernel_dirs]
    # nbclient drives the kernel asynchronously; a synchronous manager never notices a dead kernel.
    return AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=specs)


def _install_probe(client) -> bool:
    """Send the probe into the kernel; a kernel without IPython hooks runs without it."""
    source = (Path(__file__).parent / "probe.py").read_text(encoding="utf-8")
    code = (
        f"exec(compile({source!r}, '<nblint-probe>', 'exec'), "
        "{'get_ipython': get_ipython, '__name__': '__nblint_probe__'})"
    )
    msg_id = client.kc.execute(code, silent=True, store_history=False)
    reply = client.wait_for_reply(msg_id)
    return bool(reply) and reply["content"].get("status") == "ok"


def _collect(cell, record: CellRun, reply: dict | None = None) -> None:
    """Pull the probe payload (from the execute reply, or an output) and errors out of the cell's outputs;
    cut the cell's streams once they hold MAX_STREAM_CHARS together."""
    kept, stderr_parts, budget, cut = [], [], MAX_STREAM_CHARS, 0
    payload = ((reply or {}).get("metadata") or {}).get(REPLY_KEY)
    if payload is not None:
        record.probe = decode(payload)
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if output.get("output_type") == "display_data" and MIME in data:
            record.probe = decode(data[MIME])
            continue
        if output.get("output_type") == "error":
            record.error = {
                "ename": output.get("ename", "Error"),
                "evalue": output.get("evalue", ""),
                "line": _error_line(output.get("traceback", [])),
                # kept whole (colours stripped): CI reports show it, e.g. the body of a JUnit <error>
                "traceback": strip_ansi("\n".join(t for t in output.get("traceback", []) if isinstance(t, str))),
            }
        if output.get("output_type") == "stream":
            text = output.get("text", "")
            if budget <= 0:
                cut += len(text)
                continue
            if len(text) > budget:
                output["text"], cut = text[:budget], cut + len(text) - budget
            budget -= len(output["text"])
            if output.get("name") == "stderr":
                stderr_parts.append(text)
        kept.append(output)
    if cut:
        from nbformat.v4 import new_output

        kept.append(new_output("stream", name="stdout", text=f"\n[nblint: {cut} more characters cut]\n"))
    cell["outputs"] = kept
    if record.status == "timeout" and record.error and record.error["ename"] == "KeyboardInterrupt":
        record.error = None  # the interrupt nblint sent after the time limit, not the notebook's exception
    stderr = "".join(stderr_parts)
    for warning in (record.probe or {}).get("warnings", []):
        stderr = stderr.replace(warning.get("text", ""), "", 1)
    record.stderr = _EXIT_HINT.sub("", stderr).strip()


def _error_line(traceback: list[str]) -> int | None:
    match = _CELL_LINE.search(strip_ansi("\n".join(traceback)))
    return int(match.group(1)) if match else None


def _clean_exit(error: dict) -> bool:
    """`sys.exit(0)` / `sys.exit()`: IPython reports it as an error, but it is not a failure."""
    return error["ename"] == "SystemExit" and error["evalue"] in ("0", "None", "")


def _whole_seconds(seconds: float) -> int:
    """nbclient takes whole seconds; round up so a limit is never shorter than asked."""
    return max(1, math.ceil(seconds))


def _exit_status(client) -> str | None:
    import signal

    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return None
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exited with status {code}"


def _interrupt_then_kill(client) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(client.km.interrupt_kernel)()
        time.sleep(0.5)
    _shutdown(client)


def _shutdown(client) -> None:
    """Never leave a kernel behind, whatever happened."""
    km = getattr(client, "km", None)
    if km is None:
        return
    from jupyter_core.utils import run_sync

    process = getattr(getattr(km, "provisioner", None), "process", None)
    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # the kernel may already be gone
        pass
    if process is not None and process.poll() is None:  # whatever happened above, the process goes
        process.kill()
        process.wait(timeout=10)


def _no_kernel_message(name: str) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        known = ", ".join(sorted(KernelSpecManager().find_kernel_specs())) or "none"
    except Exception:
        known = "unknown"
    return (
        f"no Jupyter kernel named {name!r} (installed: {known}); install it with "
        f"`python -m ipykernel install --user --name {name}` or choose one with --kernel"
    )
