"""The child side of verify: runs one program and prints what happened as JSON.

Run as ``python -m pt_lsp.runtime.harness`` with a job on stdin (``source``, ``device``,
``probe``, ``outputs``, ``seed``). The program's own prints are captured, so the result is the
last line of stdout that starts with ``RESULT_MARKER``.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
import textwrap
import traceback
import warnings
from contextlib import redirect_stdout

from pt_lsp.runtime.devices import FAKE_CUDA
from pt_lsp.runtime.rewrite import compile_for_device

RESULT_MARKER = "@@pt-lsp-verify-result@@ "
FILENAME = "<example>"
_MAX_TEXT = 2000


def _seed(seed: int) -> None:
    # The fixed and the reference programs must draw the same random numbers to be compared.
    random.seed(seed)
    import torch

    torch.manual_seed(seed)
    try:
        import numpy
    except ImportError:
        return
    numpy.random.seed(seed)


def _example_lines(error: BaseException) -> list[int | None]:
    return [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == FILENAME]


def _describe_exception(error: BaseException) -> dict:
    lines = _example_lines(error)
    return {
        "type": type(error).__name__,
        "mro": [cls.__name__ for cls in type(error).__mro__],
        "message": str(error)[:_MAX_TEXT],
        "line": lines[-1] if lines else None,  # the innermost frame inside the example
        "lines": lines,
    }


def serialise(value, depth: int = 0):
    """Outputs as JSON: tensors (and arrays) become {shape, dtype, values}, modules their state."""
    import torch

    if depth > 20:
        return {"repr": "<too deep>"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.nn.Module):
        return serialise(value.state_dict(), depth + 1)
    if type(value).__module__ == "numpy" and hasattr(value, "shape"):
        value = torch.as_tensor(value)
    if isinstance(value, torch.Tensor):
        if value.device.type == "meta":
            raise ValueError("a meta tensor holds no values to compare")
        data = value.detach().cpu()
        if data.is_complex():
            data = torch.view_as_real(data)
        return {"shape": list(value.shape), "dtype": str(value.dtype), "values": data.double().flatten().tolist()}
    if isinstance(value, dict):
        return {"dict": {str(key): serialise(item, depth + 1) for key, item in value.items()}}
    if isinstance(value, (list, tuple, torch.Size)):
        return {"list": [serialise(item, depth + 1) for item in value]}
    return {"repr": repr(value)[:_MAX_TEXT]}


def _device(device: str) -> contextlib.AbstractContextManager:
    """The fake-cuda proxy simulates CUDA around the program; other devices need nothing."""
    if device == FAKE_CUDA:
        from pt_lsp.runtime.fake_cuda import fake_cuda

        return fake_cuda()
    return contextlib.nullcontext()


def run(job: dict) -> dict:
    result: dict = {
        "completed": False,
        "exception": None,
        "warnings": [],
        "probe": None,
        "outputs": None,
        "outputs_error": None,
    }
    captured = io.StringIO()
    namespace = {"__name__": "__main__", "__file__": FILENAME, "__builtins__": __builtins__}
    try:
        code = compile_for_device(job["source"], job["device"], FILENAME)
    except SyntaxError as error:
        result["exception"] = {
            "type": "SyntaxError",
            "mro": ["SyntaxError", "Exception"],
            "message": str(error),
            "line": error.lineno,
            "lines": [error.lineno],
        }
        return result
    _seed(job.get("seed", 0))
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(captured), _device(job["device"]):
        warnings.simplefilter("always")
        try:
            exec(code, namespace)
            result["completed"] = True
        except (Exception, SystemExit) as error:
            result["exception"] = _describe_exception(error)
        if result["completed"] and job.get("outputs"):
            try:
                result["outputs"] = serialise(eval(job["outputs"].strip(), namespace))
            except Exception as error:
                result["outputs_error"] = f"{type(error).__name__}: {error}"[:_MAX_TEXT]
        if result["completed"] and job.get("probe"):
            result["probe"] = _run_probe(job["probe"], namespace)
    result["warnings"] = [
        {
            "category": w.category.__name__,
            "message": str(w.message)[:_MAX_TEXT],
            "line": w.lineno if w.filename == FILENAME else None,
        }
        for w in caught
    ]
    result["stdout"] = captured.getvalue()[-_MAX_TEXT:]
    return result


def _run_probe(probe: str, namespace: dict) -> dict:
    try:
        exec(compile(textwrap.dedent(probe).strip() + "\n", "<probe>", "exec"), namespace)
    except Exception as error:
        return {"symptom": None, "error": f"the probe raised {type(error).__name__}: {error}"[:_MAX_TEXT]}
    if "symptom" not in namespace:
        return {"symptom": None, "error": "the probe did not set `symptom`"}
    return {"symptom": bool(namespace["symptom"]), "error": None}


def main() -> None:
    job = json.loads(sys.stdin.read())
    result = run(job)
    sys.stdout.write("\n" + RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
