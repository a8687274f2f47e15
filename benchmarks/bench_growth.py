"""Does the analysis stay linear? Generated files of growing size, one per pathological shape.

For each shape the file is generated at four sizes (each twice the last), linted (or fixed, for
the shape about fixes) five times, and the best CPU time kept (the machine may be shared; the
garbage collector is paused while timing, its passes over a growing heap are Python's); the
growth exponent is the slope of log(time) against log(lines) by least squares: 1 is linear, 2
quadratic. Every shape must stay at or below 1.2 (the exit status is 1 otherwise).

    python benchmarks/bench_growth.py [--scale F] [--shape NAME ...]

``--scale`` multiplies every size (0.5 for a quick look). The committed output of a full run is
``benchmarks/results/growth.txt``.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import fix_source

LIMIT = 1.2


def long_chains(n: int) -> str:
    """n training functions whose loss is a chain of 60 tensor methods (the depth cap is 150)."""
    chain = "x" + ".cuda().float()" * 30
    return "import torch\n" + "".join(
        f"\n\ndef step{i}(model, opt, x):\n    y = {chain}\n    loss = model(y).sum()\n    loss.backward()\n"
        f"    opt.step()\n"
        for i in range(n)
    )


def backward_calls(n: int) -> str:
    """n ``loss = x * 2; loss.backward()`` pairs in one function: PTL202 proves each non-scalar."""
    head = "import torch\n\n\ndef f():\n    x = torch.zeros(3, requires_grad=True)\n"
    return head + "    loss = x * 2\n    loss.backward()\n" * n


def attributes(n: int) -> str:
    """A module with n plain-list attributes, each used in ``forward`` (PTL301)."""
    head = "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    init = "".join(f"        self.l{i} = [nn.Linear(2, 2)]\n" for i in range(n))
    forward = "\n    def forward(self, x):\n" + "".join(f"        x = self.l{i}[0](x)\n" for i in range(n))
    return head + init + forward + "        return x\n"


def deep_nesting(n: int) -> str:
    """n functions, each a training loop nested 30 blocks deep (for/if/with alternating)."""
    parts = ["import torch\n"]
    for i in range(n):
        lines = [f"\n\ndef train{i}(model, opt, data, flag):"]
        indent = "    "
        for depth in range(30):
            head = ("for batch in data:", "if flag:", "with torch.no_grad():")[depth % 3]
            if depth == 29:
                head = "for batch in data:"
            lines.append(indent + head)
            indent += "    "
        lines += [indent + "loss = model(batch).sum()", indent + "loss.backward()", indent + "opt.step()"]
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


def many_fixes(n: int) -> str:
    """n ``y = x.data`` lines: n findings, each with a fix (PTL102), fixed with --unsafe-fixes."""
    return "import torch\n\nx = torch.zeros(3)\n" + "y = x.data\n" * n


def many_functions(n: int) -> str:
    """n small training functions with the classic mistakes (flow rules in every one)."""
    body = (
        "\n\ndef train{i}(model, data):\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    h = torch.zeros(3, requires_grad=True)\n"
        "    for x in data:\n"
        "        h = torch.tanh(h * x)\n"
        "        loss = model(x).sum() + h.sum()\n"
        "        loss.backward()\n"
        "        opt.step()\n"
        "        w = x.data\n"
    )
    return "import torch\n" + "".join(body.format(i=i) for i in range(n))


def helper_calls(n: int) -> str:
    """n calls of two helpers of the file in one block: a leaf maker updated in place (PTL203, its
    fix a ``no_grad`` block) and a read-only array loader (PTL404): every call site asks about the
    others' arguments and the block's earlier statements."""
    head = (
        "import numpy as np\nimport torch\n\n\ndef init(k, scale=0.1):\n"
        "    return (torch.randn(k) * scale).requires_grad_()\n\n\ndef load(buf):\n"
        "    return np.frombuffer(buf, dtype=np.float32)\n\n\n"
    )
    body = "".join(
        f"w{i} = init(3)\nw{i}.add_(1)\na{i} = load(b'abcd')\nt{i} = torch.from_numpy(a{i})\n" for i in range(n)
    )
    return head + body


def late_loops(n: int) -> str:
    """n functions, each three nested loops whose state reaches the backward only after several
    iterations (a chain of six hand-offs): every loop runs to its pass cap, nested, within the
    function's budget of extra passes."""
    names = "abcdef"
    parts = ["import torch\n"]
    for i in range(n):
        lines = [f"\n\ndef train{i}(model, data):", "    " + " = ".join(names) + " = torch.zeros(3)"]
        for depth in range(3):
            indent = "    " * (depth + 2)
            lines.append(f"{indent[4:]}for x{depth} in data:")
            lines.append(f"{indent}out = model(x{depth})")
            lines.append(f"{indent}(out * f).sum().backward()")
            lines += [f"{indent}{later} = {earlier}" for later, earlier in reversed(list(zip(names[1:], names)))]
            lines.append(f"{indent}a = out")
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


def _blocks(n: int, backward_in_loop: bool) -> str:
    lines = ["import torch\n\n\ndef train(model, data, x):"]
    for i in range(n):
        lines += [
            f"    l{i} = model(x).sum()",
            f"    l{i}.backward()",
            "    for y in data:",
            f"        l{i} = model(y).sum()",
        ]
        if backward_in_loop:
            lines.append(f"        l{i}.backward()")
    return "\n".join(lines) + "\n"


def sequential_loops(n: int) -> str:
    """One function of n blocks, each a backward then a loop: every loop's passes join states
    whose freed maps hold every earlier block's graph (found quadratic: 800 blocks took 35 s)."""
    return _blocks(n, backward_in_loop=False)


def loop_backwards(n: int) -> str:
    """As sequential-loops, each loop's body backwarding its loss: every pass frees a node, so the
    heads' freed maps differ and settle by the nodes' sites."""
    return _blocks(n, backward_in_loop=True)


def linked_nodes(n: int) -> str:
    """n beam searches whose nodes link to each other (``{"last": node, "next": []}``,
    ``node["next"].append(child)`` in a while loop): the abstract nodes grew with every pass until
    joins were bounded in depth (one such function of a real course repository never finished)."""
    head = "import torch\n\ncell = torch.nn.LSTMCell(8, 8)\nreadout = torch.nn.Linear(8, 5)\n\n"
    body = """
def make_node_{i}(state, prob, last):
    length = 0 if last is None else last["len"] + 1
    return {{"state": state, "prob": prob, "last": last, "len": length, "next": []}}


def beam_{i}(x):
    queue = [make_node_{i}((torch.zeros(1, 8), torch.zeros(1, 8)), 0, None)]
    while queue:
        node = queue.pop(0)
        if node["len"] >= 4:
            continue
        h, c = cell(x, node["state"])
        scores = readout(h).softmax(-1)
        for j in range(2):
            child = make_node_{i}((h, c), scores[0, j], node)
            node["next"].append(child)
            queue.append(child)
    return node["state"][0].cpu().numpy()

"""
    return head + "".join(body.format(i=i) for i in range(n))


@dataclass
class Shape:
    name: str
    make: Callable[[int], str]
    sizes: tuple[int, ...]
    fix: bool = False


SHAPES = [
    Shape("long-chains", long_chains, (50, 100, 200, 400)),
    Shape("backward-calls", backward_calls, (500, 1000, 2000, 4000)),
    Shape("attributes", attributes, (200, 400, 800, 1600)),
    Shape("deep-nesting", deep_nesting, (25, 50, 100, 200)),
    Shape("many-fixes", many_fixes, (1000, 2000, 4000, 8000), fix=True),
    Shape("many-functions", many_functions, (100, 200, 400, 800)),
    Shape("helper-calls", helper_calls, (250, 500, 1000, 2000)),
    Shape("late-loops", late_loops, (5, 10, 20, 40)),
    Shape("sequential-loops", sequential_loops, (100, 200, 400, 800)),
    Shape("loop-backwards", loop_backwards, (100, 200, 400, 800)),
    Shape("linked-nodes", linked_nodes, (10, 20, 40, 80)),
]


def timed(shape: Shape, text: str, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        gc.disable()  # the collector's passes over the whole heap grow with it: the runtime's cost, not ours
        start = time.process_time()  # CPU time: other processes on the machine do not count
        if shape.fix:
            outcome = fix_source(text, "<bench>", unsafe=True)
            assert outcome.errors == [] and outcome.converged, outcome.errors
        else:
            result = lint_source(text, "<bench>")
            assert result.errors == [] and result.message is None, (result.errors, result.message)
        best = min(best, time.process_time() - start)
        gc.enable()
    return best


def exponent(sizes: list[float], times: list[float]) -> float:
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per size; the best counts (default 5)")
    parser.add_argument("--shape", action="append", choices=[s.name for s in SHAPES], help="only these shapes")
    args = parser.parse_args(argv)
    print(
        f"Python {platform.python_version()} on {platform.machine()}; best CPU time of {args.repeat} runs per size,"
        " garbage collector paused"
    )
    lint_source("import torch\nx = torch.zeros(3)\nx.data\n")  # rules imported before timing
    worst = 0.0
    for shape in SHAPES:
        if args.shape and shape.name not in args.shape:
            continue
        sizes = [max(1, round(size * args.scale)) for size in shape.sizes]
        rows = []
        for size in sizes:
            text = shape.make(size)
            rows.append((size, text.count("\n"), timed(shape, text, args.repeat)))
        slope = exponent([r[1] for r in rows], [r[2] for r in rows])
        worst = max(worst, slope)
        figures = ", ".join(f"{lines:,} lines {seconds:.3f}s" for _, lines, seconds in rows)
        verb = "fix" if shape.fix else "lint"
        print(f"{shape.name:15} {verb}: exponent {slope:.2f}  ({figures})", flush=True)
    verdict = "ok" if worst <= LIMIT else "FAIL"
    print(f"worst exponent {worst:.2f} (limit {LIMIT}): {verdict}")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
