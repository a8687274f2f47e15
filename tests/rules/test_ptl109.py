"""PTL109 packed-sequence-unpacked beyond its examples: import spellings, names followed through
their scope (and lost where they may be rebound), target counts, and the fixes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rules_helpers import findings, fixed, lines, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

IMPORT = "from torch.nn.utils.rnn import pack_padded_sequence\n"


@pytest.mark.parametrize(
    "text",
    [
        "from torch.nn.utils.rnn import pack_padded_sequence as pack\nx, _ = pack(s, n)\n",
        "import torch\nx, _ = torch.nn.utils.rnn.pack_padded_sequence(s, n)\n",
        "from torch import nn\nx, _ = nn.utils.rnn.pack_padded_sequence(s, n)\n",
        "import torch.nn.utils.rnn as rnn_utils\nx, _ = rnn_utils.pack_padded_sequence(s, n)\n",
        "from torch.nn.utils import rnn\nx, _ = rnn.pack_sequence(seqs)\n",
        "from torch.nn.utils.rnn import PackedSequence\nx, _ = PackedSequence(d, b)\n",
        IMPORT + "[x, _] = pack_padded_sequence(s, n)\n",
        IMPORT + "(x, _) = pack_padded_sequence(s, n)\n",
    ],
)
def test_every_spelling_of_the_call_is_reported(text):
    assert lines("PTL109", text) == [2]


def test_counts_other_than_four_are_reported_four_and_starred_are_not():
    text = IMPORT + (
        "a, = pack_padded_sequence(s, n)\n"
        "a, b, c = pack_padded_sequence(s, n)\n"
        "a, b, c, d = pack_padded_sequence(s, n)\n"
        "a, *rest = pack_padded_sequence(s, n)\n"
        "a, b, c, d, e = pack_padded_sequence(s, n)\n"
    )
    assert lines("PTL109", text) == [2, 3, 6]
    messages = [f.message for f in findings("PTL109", text)]
    assert "into 1 name raises" in messages[0] and "into 3 names raises" in messages[1]


def test_a_packed_sequence_moved_or_cast_is_still_one():
    text = IMPORT + (
        "packed = pack_padded_sequence(s, n)\n"
        "x, _ = packed.to(device)\n"  # 3
        "gpu = packed.cuda().double()\n"
        "x, _ = gpu\n"  # 5
        "x, _ = pack_padded_sequence(s, n).pin_memory()\n"  # 6
        "x, _ = s.to(device)\n"
        "x, _ = packed.data.to(device)\n"
    )
    assert lines("PTL109", text) == [3, 5, 6]


def test_pad_packed_sequence_is_a_true_pair():
    text = "from torch.nn.utils.rnn import pad_packed_sequence\npadded, lengths = pad_packed_sequence(out)\n"
    assert findings("PTL109", text) == []
    text = "import torch\npadded, lengths = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)\n"
    assert findings("PTL109", text) == []


def test_a_local_function_or_another_library_is_not_torch():
    assert (
        lines("PTL109", "def pack_padded_sequence(s, n):\n    return s, n\n\nx, _ = pack_padded_sequence(1, 2)\n") == []
    )
    assert lines("PTL109", "from mylib import pack_padded_sequence\nx, _ = pack_padded_sequence(1, 2)\n") == []
    # The import shadowed by a later definition of the same name.
    text = IMPORT + "def pack_padded_sequence(s, n):\n    return s, n\n\nx, _ = pack_padded_sequence(1, 2)\n"
    assert lines("PTL109", text) == []


def test_a_name_is_followed_until_it_is_rebound():
    text = IMPORT + (
        "packed = pack_padded_sequence(s, n)\n"
        "x, _ = packed\n"  # 3: reported
        "packed = (packed.data, packed.batch_sizes)\n"
        "x, _ = packed\n"  # 5: a pair now
        "packed = pack_padded_sequence(s, n)\n"
        "for packed in things:\n"
        "    pass\n"
        "x, _ = packed\n"  # 9: the loop target rebinds it
        "packed = pack_padded_sequence(s, n)\n"
        "del packed\n"
        "packed = other\n"
        "x, _ = packed\n"  # 13
        "packed = pack_padded_sequence(s, n)\n"
        "if (packed := pair):\n"
        "    pass\n"
        "x, _ = packed\n"  # 17: the walrus rebinds it
    )
    assert lines("PTL109", text) == [3]


def test_a_binding_on_some_paths_only_is_not_followed():
    text = IMPORT + (
        "seq = (s, n)\n"
        "if cond:\n"
        "    seq = pack_padded_sequence(s, n)\n"
        "x, _ = seq\n"  # 5: maybe a pair
        "seq = pack_padded_sequence(s, n)\n"
        "while cond:\n"
        "    seq = (s, n)\n"
        "x, _ = seq\n"  # 9: maybe a pair after the loop
        "try:\n"
        "    seq = pack_padded_sequence(s, n)\n"
        "    seq = (s, n)\n"
        "except ValueError:\n"
        "    pass\n"
        "x, _ = seq\n"  # 15
        "if cond:\n"
        "    seq = pack_padded_sequence(s, n)\n"
        "else:\n"
        "    seq = pack_padded_sequence(t, n)\n"
        "x, _ = seq\n"  # 20: packed on both paths
        "seq = (s, n)\n"
        "if cond:\n"
        "    pass\n"
        "else:\n"
        "    seq = pack_padded_sequence(s, n)\n"
        "x, _ = seq\n"  # 26: maybe a pair
        "seq = (s, n)\n"
        "for i in range(k):\n"
        "    seq = pack_padded_sequence(s, n)\n"
        "x, _ = seq\n"  # 30: the loop may not run
        "seq = (s, n)\n"
        "try:\n"
        "    seq = pack_padded_sequence(s, n)\n"
        "except ValueError:\n"
        "    pass\n"
        "x, _ = seq\n"  # 36: the call may have raised
    )
    assert lines("PTL109", text) == [20]


def test_names_of_other_scopes_are_not_followed():
    text = IMPORT + (
        "packed = pack_padded_sequence(s, n)\n"
        "\n"
        "def f(packed):\n"
        "    x, _ = packed\n"  # a parameter
        "\n"
        "def g():\n"
        "    global packed\n"
        "    packed = (1, 2)\n"
        "\n"
        "g()\n"
        "x, _ = packed\n"  # global, rebound elsewhere
        "\n"
        "def h():\n"
        "    p = pack_padded_sequence(s, n)\n"
        "    data, sizes = p\n"  # 16: reported, in the function's own scope
    )
    assert lines("PTL109", text) == [16]


def test_for_loops_over_packed_sequences():
    text = IMPORT + (
        "a = pack_padded_sequence(s, n)\n"
        "for x, _ in [a, pack_padded_sequence(t, n)]:\n"  # 3
        "    pass\n"
        "for x, _ in [a, (1, 2)]:\n"  # a pair among them
        "    pass\n"
        "for d, b, si, ui in (a,):\n"
        "    pass\n"
        "for x, _ in pack_padded_sequence(s, n):\n"  # iterates the fields, not packed sequences
        "    pass\n"
    )
    assert lines("PTL109", text) == [3]
    (finding,) = findings("PTL109", text)
    assert finding.fixes == ()


def test_fix_takes_data_when_the_second_name_is_unused_and_reruns_clean():
    text = IMPORT + (
        "scores, _ = pack_padded_sequence(scores, lengths, batch_first=True)\n"
        "self.out, sizes_unused = pack_padded_sequence(\n"
        "    x, lengths\n"
        ")\n"
        "print(scores, self.out)\n"
    )
    result = fixed("PTL109", text, unsafe=False)
    assert result == source(
        IMPORT + "scores = pack_padded_sequence(scores, lengths, batch_first=True).data\n"
        "self.out = pack_padded_sequence(\n"
        "    x, lengths\n"
        ").data\n"
        "print(scores, self.out)\n"
    )
    compile(result, "<fixed>", "exec")
    assert lint_source(result, selection=Selection.of(["PTL109"])).findings == []


def test_fix_reads_both_fields_of_a_name_when_both_are_used():
    text = IMPORT + "p = pack_padded_sequence(s, n)\ndata, sizes = p\nprint(data, sizes)\n"
    assert fixed("PTL109", text, unsafe=False) == source(
        IMPORT + "p = pack_padded_sequence(s, n)\ndata, sizes = p.data, p.batch_sizes\nprint(data, sizes)\n"
    )


def test_no_fix_where_the_call_is_unpacked_into_two_used_names_or_a_chained_target():
    text = IMPORT + "data, sizes = pack_padded_sequence(s, n)\nprint(data, sizes)\n"
    (finding,) = findings("PTL109", text)
    assert finding.fixes == ()
    (finding,) = findings("PTL109", IMPORT + "a = (x, _) = pack_padded_sequence(s, n)\n")
    assert finding.fixes == ()


def test_no_fix_where_the_first_target_is_itself_unpacked():
    # `(a, b) = pack(...).data` would unpack the data tensor's rows: not what the code meant
    (finding,) = findings("PTL109", IMPORT + "(a, b), _ = pack_padded_sequence(s, n)\n")
    assert finding.fixes == ()
    (kept,) = findings("PTL109", IMPORT + "self.x, _ = pack_padded_sequence(s, n)\n")
    assert len(kept.fixes) == 1


def test_no_text_no_work():
    assert findings("PTL109", "import torch\nx, _ = torch.max(t, 1)\n") == []


def test_the_fixed_program_runs_under_torch():
    program = source(
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        scores = torch.arange(30.0).reshape(3, 5, 2)
        scores, _ = pack_padded_sequence(scores, [5, 4, 2], batch_first=True)
        print(tuple(scores.shape), scores[:, 0].sum().item())
        """
    )
    result = fixed("PTL109", program, unsafe=False)
    pytest.importorskip("torch")
    before = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert before.returncode != 0 and "too many values to unpack" in before.stderr
    run = subprocess.run([sys.executable, "-c", result], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # 11 kept timesteps; the first feature of each: the even numbers at the kept positions.
    kept = [b * 10 + t * 2 for b, n in enumerate([5, 4, 2]) for t in range(n)]
    assert run.stdout.strip() == f"(11, 2) {float(sum(kept))}"


def test_a_deep_expression_and_many_statements_are_handled():
    # 120 terms nest the tree about 125 levels, under the engine's cap of 150.
    long_sum = " + ".join(["t"] * 120)
    many = "".join(f"packed = pack_padded_sequence(s{i}, n)\nx, _ = packed\npacked = pair\n" for i in range(3000))
    text = IMPORT + f"total = {long_sum}\n" + many + "x, _ = packed\n"
    assert lines("PTL109", text) == [3 + 3 * i + 1 for i in range(3000)]


def test_names_follow_the_shared_reaching_evidence():
    # Each line below was run under torch 2.13 with real tensors: the reported ones raise
    # "too many values to unpack (expected 2)", the silent ones unpack a true pair.
    text = IMPORT + (
        "p = pack_padded_sequence(s, n)\n"
        "for i in range(3):\n"
        "    p = p.to(d)\n"
        "x, _ = p\n"  # 5: moved in a loop, still packed
        "rows = s[:, 0]\n"
        "for i in range(3):\n"
        "    rows = rows.to(d)\n"
        "x, _ = rows\n"  # 9: a tensor of two rows: its other value decides
        "if a:\n"
        "    r = pack_padded_sequence(s, n)\n"
        "elif b:\n"
        "    r = (s, n)\n"
        "else:\n"
        "    r = pack_padded_sequence(t, n)\n"
        "x, _ = r\n"  # 16: a pair on one branch
        "if a:\n"
        "    q = pack_padded_sequence(s, n)\n"
        "elif b:\n"
        "    q = pack_padded_sequence(t, n).to(d)\n"
        "else:\n"
        "    q = pack_padded_sequence(u, n)\n"
        "x, _ = q\n"  # 23: packed on every branch
        "try:\n"
        "    m = pack_padded_sequence(s, n)\n"
        "finally:\n"
        "    pass\n"
        "x, _ = m\n"  # 28: reached only when the call returned
    )
    assert lines("PTL109", text) == [5, 23, 28]


def test_a_name_bound_only_inside_an_if_is_packed_wherever_it_is_bound():
    # Where the branch did not run, the line raises NameError; where it did, ValueError.
    text = IMPORT + ("if a:\n    q = pack_padded_sequence(s, n)\nx, _ = q\n")
    assert lines("PTL109", text) == [4]
    assert lines("PTL109", text.replace("if a:\n", "q = (s, n)\nif a:\n")) == []  # maybe a pair
