"""scripts/verify_mutations.py stays in step with the rules and examples it mutates.

The full run (verify once per mutation, a few minutes) is in .ci/run; here each mutation is only
applied, in a child process so that the registry of this session stays unmutated.
"""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_mutations.py"

APPLY_ALL = f"""
import sys
sys.path.insert(0, {str(SCRIPT.parent)!r})
import verify_mutations as m
for mutation in m.MUTATIONS:
    mutation.apply()
    print("applied", mutation.name)
"""


def test_every_mutation_applies_to_the_current_rules_and_examples():
    done = subprocess.run([sys.executable, "-c", APPLY_ALL], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    names = [line.split()[1] for line in done.stdout.splitlines()]
    assert names == [
        "silence-rule",
        "fix-cpu-becomes-detach",
        "sum-fix-drops-a-loss",
        "example-loses-its-bug",
        "symptom-dropped",
        "cuda-claim-on-the-cpu",
    ]


def test_the_list_names_each_mutation_with_its_codes():
    done = subprocess.run([sys.executable, str(SCRIPT), "--list"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "fix-cpu-becomes-detach   PTL401" in done.stdout
