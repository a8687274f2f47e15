"""PTL102 tensor-data-attribute: evidence that `.data` is a tensor's, and each kind of fix."""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, lines, source

from pt_lsp.core.findings import Applicability

CODE = "PTL102"


# -- which `.data` is a tensor's -------------------------------------------------------------------
@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\nw = torch.randn(3, requires_grad=True)\nprint(w.data)\n",
        "import torch.nn as nn\nimport torch\nw = nn.Parameter(torch.zeros(2))\nprint(w.data)\n",
        "def f(model):\n    for p in model.parameters():\n        print(p.data)\n",
        "def f(model):\n    for name, p in model.named_parameters():\n        print(p.data)\n",
        "def f(opt):\n    for group in opt.param_groups:\n        for p in group['params']:\n            print(p.data)\n",
        "def f(layer):\n    print(layer.weight.data, 1)\n",
        "def f(x):\n    print(x.grad.data)\n",
        "import torch\nx = [p.data for p in model.parameters()]\n",
    ],
)
def test_evidence_of_a_tensor_reports(snippet):
    assert len(lines(CODE, snippet)) == 1


def test_self_attribute_assigned_a_parameter_reports_in_any_method():
    assert lines(
        CODE,
        """
        import torch
        import torch.nn as nn
        class Scale(nn.Module):
            def __init__(self):
                super().__init__()
                self.alpha = nn.Parameter(torch.ones(1))
            def value(self):
                return self.alpha.data
    """,
    ) == [8]


@pytest.mark.parametrize(
    "snippet",
    [
        # A Dataset keeping `self.data`, torchvision's MNIST.data, a torch_geometric batch.
        "class D:\n    def __init__(self, d):\n        self.data = d\n    def n(self):\n        return len(self.data)\n",
        "from torchvision import datasets\nds = datasets.MNIST('.')\nx = ds.data.float()\n",
        "def f(loader):\n    for batch in loader:\n        print(batch.data)\n",
        # An HTTP response, a NumPy array, a function parameter of unknown type.
        "import urllib3\nr = urllib3.PoolManager().request('GET', 'u')\nprint(r.data)\n",
        "import numpy as np\na = np.zeros(3)\nb = a.data\n",
        "def f(x):\n    return x.data\n",
        # A name bound to a tensor and to something else: no guess.
        "import torch\nw = torch.zeros(2)\nw = load()\nprint(w.data)\n",
        # A PackedSequence's `.data` field.
        (
            "import torch\nfrom torch.nn.utils.rnn import pack_padded_sequence\n"
            "def f(rnn, x, n):\n    out, h = rnn(pack_padded_sequence(x, n))\n    return out.data\n"
        ),
        # A `self.weight` of a class that is not a module, a method named data().
        "class Cfg:\n    def get(self):\n        return self.weight.data\n",
        "import torch\nw = torch.zeros(2)\nw.data()\n",
    ],
)
def test_data_of_things_that_are_not_tensors_is_silent(snippet):
    assert lines(CODE, snippet) == []


def test_one_finding_per_line():
    assert lines(
        CODE,
        """
        import torch
        w = torch.zeros(2, requires_grad=True)
        print(w.data, w.data + 1)
    """,
    ) == [3]


# -- reads ----------------------------------------------------------------------------------------
def test_read_consumed_at_once_is_safe_kept_read_is_unsafe():
    consumed, kept = findings(
        CODE,
        """
        import torch
        w = torch.zeros(2, requires_grad=True)
        n = w.data.cpu().numpy()
        snapshot = w.data
    """,
    )
    assert consumed.fix.applicability is Applicability.SAFE
    assert kept.fix.applicability is Applicability.UNSAFE
    assert fixed(
        CODE,
        """
        import torch
        w = torch.zeros(2, requires_grad=True)
        n = w.data.cpu().numpy()
        snapshot = w.data
    """,
    ).splitlines()[2:] == ["n = w.detach().cpu().numpy()", "snapshot = w.detach()"]


def test_loss_data_index_zero_becomes_item_and_backwarded_names_are_tensors():
    text = """
        import torch
        def train(model, loader, criterion, optimizer):
            total = 0.0
            for x, y in loader:
                loss = criterion(model(x), y)
                loss.backward()
                total += loss.data[0]
                print(loss.data)
            return total
    """
    assert lines(CODE, text) == [7, 8]
    assert fixed(CODE, text).splitlines()[6:8] == ["        total += loss.item()", "        print(loss.detach())"]


def test_backward_of_an_own_autograd_class_is_not_torch_evidence():
    assert (
        lines(
            CODE,
            """
        import torch
        class Value:
            def __init__(self, data):
                self.data = data
            def backward(self):
                pass
        def check(v):
            v.backward()
            return v.data
    """,
        )
        == []
    )


# -- updates --------------------------------------------------------------------------------------
def test_adjacent_updates_share_one_block_with_the_files_torch_alias():
    assert fixed(
        CODE,
        """
        import torch as T
        def init(m):
            m.weight.data.normal_(0, 0.02)
            m.bias.data.zero_()
            print("done")
    """,
    ) == source("""
        import torch as T
        def init(m):
            with T.no_grad():
                m.weight.normal_(0, 0.02)
                m.bias.zero_()
            print("done")
    """)


def test_no_grad_imported_by_name_is_used():
    assert "    with no_grad():\n        m.weight.fill_(1)\n" in fixed(
        CODE,
        """
        from torch import no_grad
        def init(m):
            m.weight.data.fill_(1)
    """,
    )


def test_torch_imported_only_as_from_import_gets_import_torch_after_the_docstring():
    assert fixed(
        CODE,
        '''
        """Initialisers."""
        from __future__ import annotations
        from torch import nn
        def init(m):
            m.weight.data.fill_(1)
    ''',
    ) == source('''
        """Initialisers."""
        from __future__ import annotations
        import torch
        from torch import nn
        def init(m):
            with torch.no_grad():
                m.weight.fill_(1)
    ''')


def test_inside_no_grad_block_or_decorated_function_data_is_only_dropped():
    assert fixed(
        CODE,
        """
        import torch
        @torch.no_grad()
        def step(params, lr):
            for p in params.parameters():
                p.data.add_(p.grad.data, alpha=-lr)
        def clip(model):
            with torch.no_grad():
                for p in model.parameters():
                    p.data.clamp_(-1, 1)
    """,
    ) == source("""
        import torch
        @torch.no_grad()
        def step(params, lr):
            for p in params.parameters():
                p.add_(p.grad, alpha=-lr)
        def clip(model):
            with torch.no_grad():
                for p in model.parameters():
                    p.clamp_(-1, 1)
    """)


def test_augmented_assignment_item_assignment_and_tabs():
    assert fixed(
        CODE,
        (
            "import torch\n"
            "def step(model, lr):\n"
            "\tfor p in model.parameters():\n"
            "\t\tp.data -= lr * p.grad.data\n"
            "\t\tp.data[0] = 0.0\n"
            "\t\tprint(p)\n"
        ),
    ) == (
        "import torch\n"
        "def step(model, lr):\n"
        "\tfor p in model.parameters():\n"
        "\t\twith torch.no_grad():\n"
        "\t\t\tp -= lr * p.grad\n"
        "\t\t\tp[0] = 0.0\n"
        "\t\tprint(p)\n"
    )


def test_storage_swap_is_display_only_and_elementwise_assignment_is_copy():
    swap, clip = findings(
        CODE,
        """
        import torch
        def f(model, vectors, c):
            model.embed.weight.data = torch.from_numpy(vectors)
            model.fc.weight.data = model.fc.weight.data.clamp(-c, c)
    """,
    )
    assert swap.fix.applicability is Applicability.DISPLAY_ONLY
    assert clip.fix.applicability is Applicability.SAFE
    assert clip.fix.edits[0].content.endswith("model.fc.weight.copy_(model.fc.weight.clamp(-c, c))")


def test_a_dtype_or_device_swap_through_data_gets_no_copy_fix():
    # audit-5: `copy_` into the old tensor keeps its dtype and device, so the conversion would be lost
    found = findings(
        CODE,
        """
        import torch
        def convert(l, device):
            l.weight.data = l.weight.data.float()
            l.bias.data = l.bias.data.to(device)
        def scale(m):
            m.weight.data = m.weight.data * 2
    """,
    )
    assert [f.fix is None for f in found] == [True, True, False]
    assert found[2].fix.edits[0].content.endswith("m.weight.copy_(m.weight * 2)")


def test_update_of_a_graph_node_is_unsafe():
    (finding,) = findings(
        CODE,
        """
        import torch
        w = torch.ones(2, requires_grad=True)
        y = (w * 3).exp()
        y.data.mul_(2)
    """,
    )
    assert finding.fix.applicability is Applicability.UNSAFE


def test_multiline_string_in_an_update_gets_no_fix():
    (finding,) = findings(
        CODE,
        '''
        import torch
        def f(m):
            m.weight.data.copy_(load("""a
        b"""))
    ''',
    )
    assert finding.fixes == ()


def test_statements_sharing_a_line_get_no_block_fix():
    (finding,) = findings(
        CODE,
        """
        import torch
        def f(m):
            m.weight.data.zero_(); print(1)
    """,
    )
    assert finding.fixes == ()


# -- the fixed updates compute the same weights -----------------------------------------------------
UPDATES = """
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
teacher = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
for m in model.modules():
    if isinstance(m, torch.nn.Linear):
        m.weight.data.normal_(0.0, 0.5)
        m.bias.data.fill_(0.1)
x, y = torch.randn(8, 4), torch.randn(8, 1)
for _ in range(3):
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    for p in model.parameters():
        p.data.add_(p.grad.data, alpha=-0.1)
        p.grad.data.zero_()
    for p in model.parameters():
        p.data = torch.clamp(p.data, -0.4, 0.4)
    for ema_p, p in zip(teacher.parameters(), model.parameters()):
        ema_p.data.mul_(0.9).add_(p.data, alpha=0.1)
"""


def test_fixed_updates_produce_the_same_weights_as_the_original():
    import torch

    text = fixed(CODE, UPDATES, unsafe=False)
    assert ".data" not in text
    results = []
    for program in (UPDATES, text):
        namespace: dict = {}
        exec(compile(program, "<updates>", "exec"), namespace)
        results.append([t.detach().clone() for m in ("model", "teacher") for t in namespace[m].state_dict().values()])
    assert all(torch.equal(a, b) for a, b in zip(*results))


def test_no_update_fix_where_dropping_data_would_assign_to_a_call():
    """Found by scripts/fuzz.py (seed 16): `b.detach().data -= g` without `.data` is `b.detach() -= g`,
    which does not compile; the finding stays, without that fix."""
    text = "import torch\nb = torch.randn(3, requires_grad=True)\nb.detach().data -= 0.1 * b.grad.data\n"
    (finding,) = [f for f in findings(CODE, text) if f.line == 3 and "update" in f.message]
    assert all("no_grad" not in fix.title for fix in finding.fixes)
    assert compile(fixed(CODE, text), "<fixed>", "exec")


def test_loss_data_index_zero_says_it_raises_and_its_fix_is_named_item():
    """audit-3 M5: `loss.data[0]` raises IndexError on a 0-dim loss; the message said only that
    `.data` bypasses autograd, and the fix was titled `.detach()` though it writes `.item()`."""
    text = """
        import torch
        def train(model, x, y, criterion):
            loss = criterion(model(x), y)
            loss.backward()
            print(loss.data[0], loss.data)
    """
    (finding,) = findings(CODE, text)
    assert "IndexError" in finding.message and "`.item()`" in finding.message
    (plain,) = findings(CODE, text.replace("loss.data[0], ", ""))
    assert "IndexError" not in plain.message
    (only_index,) = findings(CODE, text.replace(", loss.data)", ")"))
    assert only_index.fixes[0].title == "Replace `.data[0]` with `.item()`"
