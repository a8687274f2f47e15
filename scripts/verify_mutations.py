"""Mutation testing of `pt-lsp verify`: each mutation breaks a rule, a fix or an example the way a
real regression would, and verify must fail (exit 1) on it. A mutation verify lets through is a
hole in the proof.

    python scripts/verify_mutations.py            # every mutation; exit 0 when each is caught
    python scripts/verify_mutations.py --list
    python scripts/verify_mutations.py fix-cpu-becomes-detach

Each mutation runs in its own process: it patches the rules or examples in memory (the source tree
is never touched), then runs verify over the codes it concerns. An unmutated run of the same codes
must exit 0 first, so a failure is the mutation's doing.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclasses.dataclass(frozen=True)
class Mutation:
    name: str
    codes: tuple[str, ...]
    what: str
    apply: Callable[[], None]


def _rule(code: str):
    from pt_lsp.core.rule import all_rules

    return all_rules()[code]


def _example(code: str, title_start: str):
    rule = _rule(code)
    for index, example in enumerate(rule.examples):
        if example.title.startswith(title_start):
            return rule, index, example
    raise SystemExit(f"mutation out of date: {code} has no example titled {title_start!r}...")


def _replace_example(code: str, title_start: str, **changes) -> None:
    rule, index, example = _example(code, title_start)
    examples = list(rule.examples)
    examples[index] = dataclasses.replace(example, **changes)
    rule.examples = tuple(examples)


def _rewrite_fix_edits(code: str, rewrite: Callable[[str], str]) -> None:
    """Every fix the rule offers has its inserted text passed through ``rewrite``."""
    rule = _rule(code)
    check = rule.check

    def mutated(self, ctx) -> Iterator:
        for finding in check(self, ctx):
            fixes = tuple(
                dataclasses.replace(
                    fix, edits=tuple(dataclasses.replace(edit, content=rewrite(edit.content)) for edit in fix.edits)
                )
                for fix in finding.fixes
            )
            yield dataclasses.replace(finding, fixes=fixes)

    rule.check = mutated


def silence_rule() -> None:
    _rule("PTL301").check = lambda self, ctx: iter(())


def fix_cpu_becomes_detach() -> None:
    # `.numpy()` of a CUDA tensor "fixed" with `.detach()` still raises on CUDA (and on fake-cuda).
    _rewrite_fix_edits("PTL401", lambda text: text.replace(".cpu()", ".detach()"))


def sum_fix_drops_a_loss() -> None:
    # `(a + b).backward()` becomes `(a + 0 * b).backward()`: it runs, but b's gradient is lost.
    _rewrite_fix_edits("PTL201", lambda text: re.sub(r"^\((.+) \+ (.+)\)$", r"(\1 + 0 * \2)", text))


def example_loses_its_bug() -> None:
    # Activations that never reach the clamp: `.data` corrupts nothing, and the probe must say so.
    title = "activations clipped through `.data`"
    _, _, example = _example("PTL102", title)
    source = example.source.replace("x = torch.tensor([[1.0, 0.5, 0.25], [2.0, 1.0, 0.5]])", "x = torch.zeros(2, 3)")
    if source == example.source:
        raise SystemExit("mutation out of date: the PTL102 example no longer defines x as expected")
    _replace_example("PTL102", title, source=source)


def symptom_dropped() -> None:
    # A bad example that states no symptom would agree with anything: it must be an error.
    _, _, example = _example("PTL202", "")
    _replace_example("PTL202", example.title, runtime=dataclasses.replace(example.runtime, symptom=None))


def cuda_claim_on_the_cpu() -> None:
    # Claiming that `.numpy()` of a "cuda" tensor fails everywhere: on the CPU it runs.
    for _, example in _cuda_only(_rule("PTL401")):
        _replace_example("PTL401", example.title, runtime=dataclasses.replace(example.runtime, cuda_only=False))


def _cuda_only(rule) -> list:
    found = [(i, e) for i, e in enumerate(rule.examples) if e.runtime is not None and e.runtime.cuda_only]
    if not found:
        raise SystemExit(f"mutation out of date: {rule.code} has no cuda_only example")
    return found


MUTATIONS = (
    Mutation("silence-rule", ("PTL301",), "PTL301 reports nothing", silence_rule),
    Mutation(
        "fix-cpu-becomes-detach",
        ("PTL401",),
        "PTL401's fix inserts .detach() instead of .cpu()",
        fix_cpu_becomes_detach,
    ),
    Mutation("sum-fix-drops-a-loss", ("PTL201",), "PTL201's sum fix becomes (a + 0 * b)", sum_fix_drops_a_loss),
    Mutation(
        "example-loses-its-bug",
        ("PTL102",),
        "a PTL102 example whose clamp through .data never clips",
        example_loses_its_bug,
    ),
    Mutation("symptom-dropped", ("PTL202",), "a PTL202 bad example states no symptom", symptom_dropped),
    Mutation(
        "cuda-claim-on-the-cpu",
        ("PTL401",),
        "PTL401's CUDA-only examples claim the symptom on the CPU",
        cuda_claim_on_the_cpu,
    ),
)
BY_NAME = {m.name: m for m in MUTATIONS}


def _child(name: str, codes: list[str]) -> int:
    """In the child process: mutate (unless ``name`` is "none"), then run verify."""
    if name != "none":
        BY_NAME[name].apply()
    from pt_lsp.runtime.command import main

    return main([*codes, "--device", "all", "--quiet", "--output-format", "json"])


def _run(name: str, codes: tuple[str, ...], timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, __file__, "--child", name, *codes],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr[-2000:])
    return done.returncode, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.names[0], args.names[1:])
    if args.list:
        for mutation in MUTATIONS:
            print(f"{mutation.name:24} {' '.join(mutation.codes):8} {mutation.what}")
        return 0
    unknown = [name for name in args.names if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown mutation(s): {', '.join(unknown)}")
    chosen = [BY_NAME[name] for name in args.names] if args.names else list(MUTATIONS)
    codes = tuple(sorted({code for m in chosen for code in m.codes}))
    status, seconds = _run("none", codes, args.timeout)
    print(f"{'baseline':24} exit {status}  {seconds:5.1f} s  verify of {' '.join(codes)} unmutated")
    if status != 0:
        print("the unmutated verify does not pass: mutations would prove nothing")
        return 2
    survived = []
    for mutation in chosen:
        status, seconds = _run(mutation.name, mutation.codes, args.timeout)
        verdict = "caught" if status == 1 else "SURVIVED" if status == 0 else f"error (exit {status})"
        print(f"{mutation.name:24} exit {status}  {seconds:5.1f} s  {verdict}: {mutation.what}")
        if status != 1:
            survived.append(mutation.name)
    print(f"{len(chosen) - len(survived)} of {len(chosen)} mutations caught")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
