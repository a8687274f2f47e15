"""Session 11 (H-401): facts taught by audit-13 M1, audit-12 M2 and G2, and PTL404's
``np.asarray(img, dtype=np.uint8)``. Every program is ours; each reported one fails (or warns
"The given NumPy array is not writable") under torch 2.13 at the marked line, run here (under
fake-cuda where it needs CUDA); each silent neighbour runs cleanly.

- A ``DataLoader`` with the default collate yields its dataset's items batched: a
  ``TensorDataset``'s rows are tensors on its tensors' device, a dataset of the file whose
  ``__getitem__`` returns tensors, arrays or ints gives tensors (dicts and tuples item by item).
  A batch moved with ``.cuda()`` under a CUDA flag is then on the device chosen at run time.
- A value of unknown class moved to a device keeps it through element-wise methods with
  numbers (``x.mul(255)``, as ``x * 255`` already did) and casts/unary ops (``.byte()``).
- A named tuple (``collections.namedtuple``, ``class L(NamedTuple)``) keeps each field's value
  (audit-12 M2: the losses a trainer's ``train_step`` returns).
- A function the file always calls with a module of one class of the file reads that class's
  ``forward`` (audit-12 G2: a tagger whose forward returns a LongTensor of decoded ints).
- ``np.asarray(img, dtype=np.uint8)`` of a PIL image converted to an 8-bit mode is the image's
  read-only buffer (PIL 13, NumPy 2.4); another dtype or an unknown mode gives a writable copy.
- Also: ``nn.Sequential[i]`` is that layer; a module moved by ``self.to(...)`` in its own
  ``__init__``; ``np.savez(path, **outputs)`` converts every entry; ``self.a.flags.writeable =
  False`` in ``__init__``; a frozen module's named-tuple outputs; ``multinomial`` ids and
  ``nn.init._calculate_fan_in_and_fan_out`` (audit-14 G6, G7) carry no graph.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from program_helpers import failing_line, run_strictly

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def found(source: str, *codes: str) -> dict[int, list[str]]:
    result = lint_source(textwrap.dedent(source), "<ours>", selection=Selection.of(list(codes)))
    assert result.errors == []
    by_line: dict[int, list[str]] = {}
    for finding in result.findings:
        by_line.setdefault(finding.line, []).append(finding.code)
    return by_line


def marked(source: str, marker: str = "# fails") -> int:
    (line,) = [i for i, text in enumerate(textwrap.dedent(source).splitlines(), 1) if text.endswith(marker)]
    return line


# -- audit-13 M1: batches of a DataLoader ------------------------------------------------------
TENSOR_DATASET = """\
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    use_gpu = torch.cuda.is_available()
    loader = DataLoader(TensorDataset(torch.rand(2, 3, 2, 2), torch.tensor([1, 2])), batch_size=1)
    for inputs, labels in loader:
        if use_gpu:
            inputs = inputs.cuda()
        img = inputs[0].mul(255).byte()
        print(img{fix}.numpy().shape)  # fails
"""

OWN_DATASET = """\
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, Dataset

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    class Frames(Dataset):
        def __init__(self, n):
            self.frames = np.random.rand(n, 3, 4).astype(np.float32)

        def __len__(self):
            return len(self.frames)

        def __getitem__(self, i):
            return {{"image": torch.from_numpy(self.frames[i]), "label": 1}}


    for batch in DataLoader(Frames(4), batch_size=2, shuffle=True):
        x = batch["image"].to(device)
        scaled = x.mul(255).clamp(0, 255)
        np.save("/dev/null", scaled{fix}.numpy())  # fails
"""

ENUMERATED_PAIRS = """\
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.rand(4, 3), torch.randint(0, 2, (4,)))
    loader = DataLoader(data, batch_size=2)
    for step, batch in enumerate(loader):
        inputs, targets = batch
        inputs, targets = inputs.cuda(), targets.cuda()
        preds = inputs.sum(1).gt(0.5).long()
        print((preds == targets){fix}.numpy())  # fails
"""


@pytest.mark.parametrize("program", [TENSOR_DATASET, OWN_DATASET, ENUMERATED_PAIRS])
def test_a_loader_batch_moved_to_cuda_is_reported_at_numpy(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, TypeError, "cuda", cuda=True)
    assert line == marked(bad)
    assert "PTL401" in found(bad, "PTL401").get(line, [])


@pytest.mark.parametrize("program", [TENSOR_DATASET, OWN_DATASET, ENUMERATED_PAIRS])
def test_the_batch_moved_back_to_the_cpu_is_silent(program: str) -> None:
    fixed = program.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


UNKNOWN_DATASET_MUL = """\
    import torch
    from torch.utils.data import DataLoader
    from mydata import Images  # another package: its items are unknown

    for inputs, labels in DataLoader(Images(), batch_size=1):
        inputs = inputs.cuda()
        print(inputs.mul(255){fix}.numpy())
"""


def test_a_moved_batch_of_unknown_class_keeps_its_device_through_mul() -> None:
    """audit-13 M1's smallest form: ``.cuda()`` proves the move, ``.mul(255)`` keeps the device
    (as ``* 255``). The runnable twin is TENSOR_DATASET (TypeError "can't convert cuda:0")."""
    assert found(UNKNOWN_DATASET_MUL.format(fix=""), "PTL401") == {7: ["PTL401"]}
    assert found(UNKNOWN_DATASET_MUL.format(fix=".cpu()"), "PTL401") == {}


STRINGS_DATASET = """\
    import torch
    from torch.utils.data import DataLoader, Dataset


    class Names(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return "name%d" % i, torch.zeros(2)


    for names, vectors in DataLoader(Names(), batch_size=2):
        print(len(names), vectors.numpy())
"""


def test_a_batch_of_strings_and_cpu_tensors_is_silent() -> None:
    run_strictly(STRINGS_DATASET)
    assert found(STRINGS_DATASET, "PTL401", "PTL402") == {}


# -- audit-12 M2: losses in a named tuple returned by a trainer's method ------------------------
NAMED_LOSSES = """\
    {header}
    import numpy as np
    import torch
    from torch import nn

    {losses}


    class Trainer(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net
            self.optimizer = torch.optim.SGD(net.parameters(), lr=0.1)

        def forward(self, x, y):
            out = self.net(x)
            cls_loss = nn.functional.mse_loss(out[:, :1], y)
            loc_loss = out[:, 1:].pow(2).mean()
            return Losses(cls_loss, loc_loss, cls_loss + loc_loss)

        def train_step(self, x, y):
            self.optimizer.zero_grad()
            losses = self.forward(x, y)
            losses.total.backward()
            self.optimizer.step()
            return losses


    trainer = Trainer(nn.Linear(4, 3)).cuda()
    history = []
    for _ in range(3):
        x, y = torch.randn(8, 4).cuda(), torch.randn(8, 1).cuda()
        history.append(trainer.train_step(x, y){read})
    print(np.array(history).mean())  # fails
"""
FUNCTIONAL = ("from collections import namedtuple", 'Losses = namedtuple("Losses", "cls loc total")')
CLASS = (
    "from typing import NamedTuple",
    "class Losses(NamedTuple):\n        cls: torch.Tensor\n        loc: torch.Tensor\n        total: torch.Tensor",
)


def named_losses(kind: tuple[str, str], read: str) -> str:
    return NAMED_LOSSES.format(header=kind[0], losses=kind[1], read=read)


@pytest.mark.parametrize("kind", [FUNCTIONAL, CLASS])
@pytest.mark.parametrize("read", [".cls", "[0]"])
def test_a_named_tuple_keeps_its_fields_devices(kind: tuple[str, str], read: str) -> None:
    bad = named_losses(kind, read)
    line = failing_line(bad, TypeError, "cuda", cuda=True)
    assert line == marked(bad)
    assert "PTL401" in found(bad, "PTL401").get(line, [])


@pytest.mark.parametrize("kind", [FUNCTIONAL, CLASS])
def test_the_field_read_with_item_is_silent(kind: tuple[str, str]) -> None:
    fixed = named_losses(kind, ".cls.item()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


# -- audit-12 G2: a forward that returns no graph tensor, called through a function -----------
TAGGER = """\
    import torch
    from torch import nn


    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.out = nn.Linear(4, 3)

        def loss(self, x, tags):
            return nn.functional.cross_entropy(self.out(self.emb(x)).transpose(1, 2), tags)

        def forward(self, x):
            scores = self.out(self.emb(x))
            {returned}


    def train(model):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss = model.loss(torch.LongTensor([[1, 2, 3]]), torch.LongTensor([[0, 1, 2]]))
        loss.backward()
        optimizer.step()


    def predict(model):
        tags = model(torch.LongTensor([[1, 2, 3]])).squeeze(0)
        return tags.numpy()  # fails


    def main():
        tagger = Tagger()
        train(tagger)
        print(predict(tagger))


    main()
"""


def test_a_forward_returning_decoded_ints_is_not_a_graph_output() -> None:
    """``torch.LongTensor`` of ``tolist()`` ints does not require grad: ``predict`` runs."""
    silent = TAGGER.format(returned="return torch.LongTensor([row.argmax(-1).tolist() for row in scores])")
    run_strictly(silent)
    assert found(silent, "PTL401", "PTL402") == {}


def test_a_forward_returning_its_scores_stays_reported() -> None:
    bad = TAGGER.format(returned="return scores.argmax(-1) * scores.sum(-1)")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL402") == {line: ["PTL402"]}


def test_a_function_also_called_with_an_unknown_model_keeps_the_guess() -> None:
    """A call site passing a model of unknown class (another package's): the name-based guess
    stays (the class of the file is not the only model ``predict`` sees)."""
    source = TAGGER.format(returned="return torch.LongTensor([row.argmax(-1).tolist() for row in scores])")
    source = source.replace("    main()\n", "    main()\n    from zoo import Net\n    predict(Net())\n")
    assert marked(source) in found(source, "PTL402")


# -- PTL404: np.asarray(img, dtype=np.uint8) of an 8-bit image --------------------------------
IMAGE = """\
    import numpy as np
    import torch
    from PIL import Image


    def load(path):
        img = Image.open(path).convert({mode!r})
        img = img.resize((4, 4))
        arr = np.asarray(img, {dtype})
        return torch.from_numpy(arr)  # warns
"""


@pytest.fixture
def image(tmp_path: Path) -> str:
    from PIL import Image

    path = tmp_path / "img.png"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(path)
    return str(path)


@pytest.mark.parametrize(("mode", "dtype"), [("RGB", "dtype=np.uint8"), ("L", "np.uint8"), ("RGBA", 'dtype="uint8"')])
def test_uint8_asarray_of_an_8_bit_image_is_read_only(mode: str, dtype: str, image: str) -> None:
    from PIL import Image

    source = IMAGE.format(mode=mode, dtype=dtype)
    img = Image.open(image).convert(mode).resize((4, 4))
    assert not np_asarray_uint8(img).flags.writeable  # the image's own buffer
    assert found(source, "PTL404") == {marked(source, "# warns"): ["PTL404"]}


@pytest.mark.parametrize(("mode", "dtype"), [("RGB", "dtype=np.float32"), ("I", "dtype=np.uint8"), ("F", "np.uint8")])
def test_a_converting_dtype_or_a_wider_mode_copies(mode: str, dtype: str, image: str) -> None:
    from PIL import Image

    source = IMAGE.format(mode=mode, dtype=dtype)
    img = Image.open(image).convert(mode).resize((4, 4))
    import numpy as np

    converted = np.asarray(img, dtype=np.float32 if "float32" in dtype else np.uint8)
    assert converted.flags.writeable  # a copy
    assert found(source, "PTL404") == {}


def test_an_image_of_unknown_mode_is_not_read() -> None:
    """``Image.open(path)`` without ``convert``: the file's mode (a 16-bit PNG is "I;16", whose
    uint8 array is a writable copy)."""
    source = IMAGE.format(mode="RGB", dtype="dtype=np.uint8").replace(".convert('RGB')", "")
    assert found(source, "PTL404") == {}


def np_asarray_uint8(img: object) -> object:
    import numpy as np

    return np.asarray(img, dtype=np.uint8)


# -- an nn.Sequential's layer by index ------------------------------------------------------------
SEQUENTIAL = """\
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    if torch.cuda.is_available():
        model = model.cuda()
    first = model[0].weight{first}.numpy()  # fails
    last = model[-1].bias{last}.numpy()
"""


def test_a_sequential_layer_by_index_holds_parameters() -> None:
    """``model[0].weight`` is a parameter: torch raises "Can't call numpy() on Tensor that
    requires grad" (on the CPU; on CUDA the device error comes first). Unmoved, PTL402
    reports it; moved under a CUDA flag, PTL401 (whose fix inserts ``.detach().cpu()``)."""
    bad = SEQUENTIAL.format(first="", last=".detach().cpu()")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL401", "PTL402") == {line: ["PTL401"]}
    unmoved = bad.replace("        model = model.cuda()", "        pass")
    assert found(unmoved, "PTL401", "PTL402") == {line: ["PTL402"]}


def test_a_sequential_layer_follows_the_container_s_move() -> None:
    moved = SEQUENTIAL.format(first=".detach().cpu()", last=".detach()")
    line = failing_line(moved, TypeError, "cuda", cuda=True)
    assert line == marked(moved) + 1
    assert found(moved, "PTL401", "PTL402") == {line: ["PTL401"]}


def test_detached_layers_moved_to_the_cpu_are_silent() -> None:
    fixed = SEQUENTIAL.format(first=".detach().cpu()", last=".detach().cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


# -- a frozen module's named-tuple outputs (fast_neural_style's Vgg16): no graph of their own -----
FEATURES = """\
    from collections import namedtuple

    import torch
    from torch import nn


    class Features(nn.Module):
        def __init__(self, requires_grad=False):
            super().__init__()
            self.slice1 = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
            self.slice2 = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
            if not requires_grad:
                for param in self.parameters():
                    param.requires_grad = False

        def forward(self, x):
            h1 = self.slice1(x)
            h2 = self.slice2(h1)
            outputs = namedtuple("Outputs", ["relu1", "relu2"])
            return outputs(h1, h2)


    def gram(y):
        b, c, h, w = y.size()
        f = y.view(b, c, h * w)
        return f.bmm(f.transpose(1, 2)) / (c * h * w)


    transformer = nn.Conv2d(3, 3, 3, padding=1)
    optimizer = torch.optim.Adam(transformer.parameters(), 1e-3)
    features = Features(requires_grad={flag})
    torch.save(torch.rand(3, 8, 8), {path!r})
    style = torch.load({path!r}).mul(255).repeat(2, 1, 1, 1)  # of unknown grad here
    gram_style = [gram(f) for f in features(style)]
    for step in range(3):
        x = torch.rand(2, 3, 8, 8)
        optimizer.zero_grad()
        features_y = features(transformer(x))
        loss = sum(nn.functional.mse_loss(gram(fy), gs) for fy, gs in zip(features_y, gram_style))
        loss.backward()  # fails on the second step
        optimizer.step()
"""


def features_program(tmp_path: Path, flag: bool) -> str:
    return FEATURES.format(flag=flag, path=str(tmp_path / "style.pt"))


def test_the_features_of_a_frozen_module_hold_no_graph_before_the_loop(tmp_path: Path) -> None:
    """The style's Gram matrices are computed once, before the loop, from a module whose
    ``__init__`` froze every parameter (the input's grad is unknown here: ``torch.load``).
    torch runs all three steps. The named tuple keeps each feature (they are zipped with the
    Gram matrices); the frozen layers make no graph that the first backward would free."""
    silent = features_program(tmp_path, False)
    run_strictly(silent)
    assert found(silent, "PTL201") == {}


def test_the_features_of_a_trainable_module_are_freed_by_the_first_backward(tmp_path: Path) -> None:
    """The same with ``requires_grad=True``: the Gram matrices' graph, built before the loop,
    is freed by the first backward; torch raises "Trying to backward through the graph a second
    time" at the second step (missed before the named tuple kept its items)."""
    bad = features_program(tmp_path, True)
    line = failing_line(bad, RuntimeError, "second time")
    assert line == marked(bad, "# fails on the second step")
    assert found(bad, "PTL201") == {line: ["PTL201"]}


# -- a module that moves itself in __init__ -------------------------------------------------------
SELF_MOVED = """\
    import numpy as np
    import torch
    from torch import nn

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    class QNet(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.fc = nn.Linear(n_in, n_out)
            self.to(device)

        def forward(self, x):
            return self.fc(x.to(device))

        def act(self, state):
            with torch.no_grad():
                values = self(torch.as_tensor(state, dtype=torch.float32))
            return int(np.argmax(values{fix}))  # fails


    print(QNet(4, 2).act(np.zeros(4)))
"""


def test_a_module_moved_by_its_own_init_is_where_it_moved() -> None:
    """``self.to(device)`` at the end of ``__init__`` (an RL network, a model holding its
    device): its outputs are on that device; ``np.argmax`` converts them ("can't convert
    cuda:0 device type tensor to numpy" under fake-cuda)."""
    bad = SELF_MOVED.format(fix="")
    line = failing_line(bad, TypeError, "cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}
    fixed = SELF_MOVED.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401") == {}


def test_a_module_moved_to_a_device_its_constructor_is_given_is_not_guessed() -> None:
    """``def __init__(self, device): ... self.to(device)`` built with ``"cpu"``: where it moves
    is the constructing call's; nothing is said without it. Runs on the CPU under fake-cuda."""
    source = (
        SELF_MOVED.format(fix="")
        .replace("def __init__(self, n_in, n_out):", "def __init__(self, n_in, n_out, device):")
        .replace("self.to(device)", "self.to(device)\n            self.device = device")
        .replace("x.to(device)", "x.to(self.device)")
        .replace("QNet(4, 2)", 'QNet(4, 2, "cpu")')
    )
    run_strictly(source, cuda=True)
    assert found(source, "PTL401") == {}


# -- np.savez(path, **outputs): each entry is converted ------------------------------------------
SAVED_DICT = """\
    import os
    import tempfile

    import numpy as np
    import torch
    from torch import nn


    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.depth = nn.Linear(4, 1)
            self.pose = nn.Linear(4, 3)

        def forward(self, x):
            return {{"depth": self.depth(x), "pose": self.pose(x)}}


    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Heads().to(device).eval()
    images = torch.rand(2, 4)
    with torch.no_grad():
        outputs = model(images.to(device))
    outputs["images"] = images
    {fix}
    np.savez(os.path.join(tempfile.mkdtemp(), "out.npz"), **outputs)  # fails
"""


def test_a_dict_of_outputs_and_cpu_images_saved_with_star_star_is_reported() -> None:
    """The model's outputs beside the CPU images put in after (vggt#242): np.savez converts
    each entry and the first CUDA one raises under fake-cuda."""
    bad = SAVED_DICT.format(fix="")
    line = failing_line(bad, TypeError, "cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


def test_a_dict_moved_entry_by_entry_is_silent() -> None:
    fixed = SAVED_DICT.format(fix="outputs = {k: v.cpu() for k, v in outputs.items()}")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401") == {}


# -- an attribute made read-only in __init__ ------------------------------------------------------
FLAGGED_TABLE = """\
    import numpy as np
    import torch


    class Table:
        def __init__(self):
            self.weights = np.ones((3, 3), dtype=np.float32)
            self.weights.flags.writeable = False
        {unlock}
        def tensor(self):
            return torch.from_numpy(self.weights)  # warns


    table = Table()
    {call}
    table.tensor()
"""


def test_an_attribute_flagged_read_only_in_init_is_read_only_in_other_methods() -> None:
    """torch 2.13 warns "The given NumPy array is not writable" at the marked line."""
    bad = FLAGGED_TABLE.format(unlock="", call="")
    scope: dict[str, object] = {"__name__": "ours"}
    exec(compile(textwrap.dedent(bad), "<ours>", "exec"), scope)
    table = scope["table"]
    assert not table.weights.flags.writeable  # type: ignore[attr-defined]
    assert found(bad, "PTL404") == {marked(bad, "# warns"): ["PTL404"]}


def test_an_attribute_another_method_rebinds_is_not_followed() -> None:
    """``unlock()`` replaces the array with a writable copy: no warning, no finding."""
    source = FLAGGED_TABLE.format(
        unlock="def unlock(self):\n            self.weights = self.weights.copy()\n", call="table.unlock()"
    )
    scope: dict[str, object] = {"__name__": "ours"}
    exec(compile(textwrap.dedent(source), "<ours>", "exec"), scope)
    assert scope["table"].weights.flags.writeable  # type: ignore[attr-defined]
    assert found(source, "PTL404") == {}


# -- audit-14 G6, G7 (false alarms) --------------------------------------------------------------
FAN_IN = """\
    import numpy as np
    import torch
    from torch import nn


    class BayesLinear(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.w = nn.Parameter(torch.empty(n_out, n_in))
            self.b = nn.Parameter(torch.empty(n_out))
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.w)
            bound = 1 / np.sqrt({bound})  # fails
            nn.init.uniform_(self.b, -bound, bound)


    BayesLinear(4, 2)
"""


def test_a_fan_in_is_a_python_int() -> None:
    """``nn.init._calculate_fan_in_and_fan_out`` returns two ints: ``np.sqrt`` of one runs."""
    silent = FAN_IN.format(bound="fan_in")
    run_strictly(silent)
    assert found(silent, "PTL401", "PTL402") == {}
    # the parameter itself (audit-14's n6): torch raises "Can't call numpy() on Tensor that requires grad"
    bad = "import numpy as np\nfrom torch import nn\nw = nn.Linear(4, 2).weight\nbound = 1 / np.sqrt(w.pow(2).sum())\n"
    line = failing_line(bad, RuntimeError, "requires grad")
    assert found(bad, "PTL402") == {line: ["PTL402"]}


SAMPLED = """\
    import torch
    from torch import nn


    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(4, 5)

        def forward(self, x):
            probs = torch.softmax(self.out(x), -1)
            ids = probs.multinomial(1)
            return ids.squeeze(1), probs.gather(1, ids).log().squeeze(1)


    ids, logprobs = Decoder()(torch.randn(3, 4))
    print({converted}.numpy())  # fails
"""


def test_sampled_ids_hold_no_graph() -> None:
    """``multinomial`` gives int64 indices without grad: their ``.numpy()`` runs; the
    log-probabilities beside them require grad and raise."""
    silent = SAMPLED.format(converted="ids.cpu()")
    run_strictly(silent)
    assert found(silent, "PTL401", "PTL402") == {}
    bad = SAMPLED.format(converted="logprobs")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert found(bad, "PTL402") == {line: ["PTL402"]}


# -- attributes __init__ assigns after a loop ----------------------------------------------------
AFTER_LOOP = """\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self, depth=2):
            super().__init__()
            layers = []
            for _ in range(depth):
                layers.append(nn.Linear(4, 4))
            self.body = nn.Sequential(*layers)
            self.head = nn.Linear(4, 2)

        def forward(self, x):
            return self.head(self.body(x))


    model = Net()
    if torch.cuda.is_available():
        model = model.cuda()
    w = model.head.weight.detach(){fix}.numpy()  # fails
"""


def test_an_attribute_assigned_after_a_loop_in_init_is_known() -> None:
    """``self.head`` comes after the loop that builds the body: the instance holds it (the
    state the loop hands on, not the one before it). Under fake-cuda the moved layer's weight
    raises "can't convert cuda:0 device type tensor to numpy"."""
    bad = AFTER_LOOP.format(fix="")
    line = failing_line(bad, TypeError, "cuda", cuda=True)
    assert found(bad, "PTL401") == {line: ["PTL401"]}
    fixed = AFTER_LOOP.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401") == {}
