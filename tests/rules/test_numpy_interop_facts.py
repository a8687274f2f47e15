"""General facts the NumPy-interop rules (PTL401, PTL402, PTL404) rest on: what a container's
elements are, through helpers' parameters and other objects' attributes; which NumPy functions
convert their argument; callbacks; what stays a read-only array. Each fact has a program that
must draw the finding and a near one (fixed) that must not."""

from __future__ import annotations

from rules_helpers import findings, lines

# -- PTL402: requires-grad facts ---------------------------------------------------------------------
UPDATED_UNDER_NO_GRAD = """
import numpy as np
import torch

w = torch.zeros(3, requires_grad=True)
x = torch.randn(4, 3)
history = []
for _ in range(3):
    loss = (x @ w).pow(2).mean()
    loss.backward()
    history.append({kept})
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
curve = np.array(history)
"""


def test_a_leaf_updated_in_place_under_no_grad_still_requires_grad():
    # `w -= ...` under no_grad is in place: the losses of the next pass still require grad
    assert lines("PTL402", UPDATED_UNDER_NO_GRAD.format(kept="loss")) == [14]
    assert lines("PTL402", UPDATED_UNDER_NO_GRAD.format(kept="loss.item()")) == []


COPY_OF_ANOTHER_OBJECTS_PARAMETER = """
import numpy as np
import torch


class Pruner:
    def __init__(self, net):
        self.net = net

    def snapshot(self):
        return np.copy({weight})


pruner = Pruner(torch.nn.Linear(3, 3))
kept = pruner.snapshot()
"""


def test_np_copy_converts_its_argument():
    assert lines("PTL402", COPY_OF_ANOTHER_OBJECTS_PARAMETER.format(weight="self.net.weight")) == [10]
    assert lines("PTL402", COPY_OF_ANOTHER_OBJECTS_PARAMETER.format(weight="self.net.weight.detach()")) == []


UFUNC_OF_A_LIST_OF_LISTS = """
import numpy as np
import torch

model = torch.nn.Linear(2, 1)
data = torch.randn(8, 2)
curves = []
for seed in range(2):
    run = []
    for _ in range(3):
        loss = model(data).pow(2).mean()
        loss.backward()
        run.append({kept})
    curves.append(run)
for k in range(2):
    print(np.log(curves[k]))
"""


def test_a_ufunc_converts_each_tensor_of_a_list_of_lists():
    assert lines("PTL402", UFUNC_OF_A_LIST_OF_LISTS.format(kept="loss")) == [15]
    assert lines("PTL402", UFUNC_OF_A_LIST_OF_LISTS.format(kept="loss.detach()")) == []


LIST_THROUGH_A_HELPER = """
import numpy as np
import torch


def show(values):
    return np.atleast_1d(values)


model = torch.nn.Linear(1, 1)
outs = []
for v in range(3):
    outs.append({kept})
show(outs)
"""


def test_a_list_passed_to_a_helper_is_converted_there():
    out = "model(torch.tensor([[float(v)]])).sum()"
    assert lines("PTL402", LIST_THROUGH_A_HELPER.format(kept=out)) == [6]
    assert lines("PTL402", LIST_THROUGH_A_HELPER.format(kept=out + ".detach()")) == []


# -- PTL401: device facts ----------------------------------------------------------------------------
CALLBACK = """
import torch


def score(pred):
    return pred.numpy().mean()


class Evaluator:
    def __init__(self, model, fn):
        self.model = model
        self.fn = fn

    def run(self, x):
        return self.fn({pred})


ev = Evaluator(torch.nn.Linear(2, 2).cuda(), score)
ev.run(torch.ones(1, 2))
"""


def test_a_function_stored_in_an_attribute_is_called_with_the_methods_arguments():
    assert lines("PTL401", CALLBACK.format(pred="self.model(x.cuda())")) == [5]
    assert lines("PTL401", CALLBACK.format(pred="self.model(x.cuda()).detach().cpu()")) == []
    assert lines("PTL402", CALLBACK.format(pred="self.model(x.cuda()).detach().cpu()")) == []


LOGGER_OF_ANOTHER_OBJECT = """
from collections import defaultdict

import numpy as np
import torch


class Meter:
    def __init__(self):
        self.values = defaultdict(list)

    def add(self, key, value):
        self.values[key].append((len(self.values[key]), value))

    def summary(self):
        return {{k: np.mean([pair[1] for pair in self.values[k]]) for k in list(self.values)}}


class Worker:
    def __init__(self, net, meter):
        self.net = net
        self.meter = meter

    def step(self, x):
        out = self.net(x.cuda())
        self.meter.add("count", 1.0)
        self.meter.add("out", {logged})


meter = Meter()
worker = Worker(torch.nn.Linear(2, 1).cuda(), meter)
worker.step(torch.ones(1, 2))
print(meter.summary())
"""


def test_tuples_logged_into_another_objects_dict_of_lists_keep_their_tensors():
    # the worker holds the same meter as `worker.meter`; numbers logged beside the tensor hide nothing
    assert lines("PTL401", LOGGER_OF_ANOTHER_OBJECT.format(logged="out.detach().mean()")) == [15]
    assert lines("PTL401", LOGGER_OF_ANOTHER_OBJECT.format(logged="out.detach().mean().item()")) == []
    assert lines("PTL401", LOGGER_OF_ANOTHER_OBJECT.format(logged="out.detach().mean().cpu()")) == []


def test_the_evidence_path_names_where_the_container_took_the_tensor():
    (finding,) = findings("PTL401", LOGGER_OF_ANOTHER_OBJECT.format(logged="out.detach().mean()"))
    steps = [(r.span.start.line, r.message) for r in finding.related]
    assert (12, "stored in `self.values[key]` here") in steps


GRAD_NORMS = """
import numpy as np
import torch

net = torch.nn.Linear(4, 1).cuda()
norms = []
for _ in range(2):
    net(torch.randn(2, 4).cuda()).sum().backward()
    norms.append({norm})
print(np.mean(norms))
"""


def test_clip_grad_norm_returns_a_tensor_on_the_gradients_device():
    norm = "torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)"
    assert lines("PTL401", GRAD_NORMS.format(norm=norm)) == [9]
    assert lines("PTL401", GRAD_NORMS.format(norm=norm + ".item()")) == []


# -- PTL404: read-only arrays ---------------------------------------------------------------------
RETURNED_IN_A_TUPLE = """
import numpy as np
import torch


def decode(payload):
    pixels = np.frombuffer(payload, dtype=np.uint8)
    return {pixels}, len(payload)


def load(f):
    raw = f.read()
    image, size = decode(raw)
    return image


def to_tensor(image):
    return torch.from_numpy(image)


with open("image.bin", "rb") as f:
    img = load(f)
print(to_tensor(img))
"""


def test_a_read_only_array_returned_in_a_tuple_and_passed_to_a_helper():
    assert lines("PTL404", RETURNED_IN_A_TUPLE.format(pixels="pixels")) == [17]
    assert lines("PTL404", RETURNED_IN_A_TUPLE.format(pixels="pixels.copy()")) == []


BYTES_ELEMENTS_OF_A_PARAMETER = """
import numpy as np
import torch


class Server:
    def handle(self, chunks):
        total = 0
        for chunk in chunks:
            arr = np.frombuffer({chunk}, dtype=np.float32)
            total = total + torch.from_numpy(arr).sum()
        return total


server = Server()
print(server.handle([np.ones(4, dtype=np.float32).tobytes(), bytes(16)]))
"""


def test_the_elements_of_a_list_of_bytes_passed_to_a_method_are_bytes():
    assert lines("PTL404", BYTES_ELEMENTS_OF_A_PARAMETER.format(chunk="chunk")) == [10]
    # a bytearray is writable: so is the array over it
    assert lines("PTL404", BYTES_ELEMENTS_OF_A_PARAMETER.format(chunk="bytearray(chunk)")) == []


ASTYPE_WITHOUT_COPY = """
import numpy as np
import torch


def parse(stream):
    data = stream.read()
    parsed = np.frombuffer(data, dtype=np.uint8, offset=16)
    return torch.from_numpy(parsed.astype(np.uint8{copy}))
"""


def test_astype_without_a_copy_keeps_the_read_only_array():
    assert lines("PTL404", ASTYPE_WITHOUT_COPY.format(copy=", copy=False")) == [8]
    assert lines("PTL404", ASTYPE_WITHOUT_COPY.format(copy="")) == []
    assert lines("PTL404", ASTYPE_WITHOUT_COPY.format(copy=", copy=True")) == []


def test_read_only_is_a_must_fact_whose_join_is_a_lattice_join():
    import ast

    from pt_lsp.core.flow.lattice import ReadOnly, join_read_only

    first, second = ast.parse("a\nb").body
    facts = [None, ReadOnly("r", first, True, True), ReadOnly("r", second, False), ReadOnly("s", first, True)]
    for a in facts:
        assert join_read_only(a, a) == a
        assert join_read_only(a, None) is None
        for b in facts:
            assert join_read_only(a, b) == join_read_only(b, a)
            for c in facts:
                assert join_read_only(join_read_only(a, b), c) == join_read_only(a, join_read_only(b, c))
    joined = join_read_only(facts[1], facts[2])
    assert joined is not None and joined.where is first and not joined.contiguous


PLOTTED = """
import matplotlib.pyplot as plt
import torch

w = torch.randn(3, requires_grad=True)
x = torch.randn(10, 3)
losses = []
for _ in range(3):
    loss = (x @ w).pow(2).mean()
    loss.backward()
    losses.append({kept})
plt.plot(losses, "r-")
plt.scatter(x[:, 0], {prediction})
"""


def test_matplotlib_converts_its_data_arguments():
    assert lines("PTL402", PLOTTED.format(kept="loss", prediction="x @ w")) == [11, 12]
    assert lines("PTL402", PLOTTED.format(kept="loss.item()", prediction="(x @ w).detach()")) == []
    moved = PLOTTED.replace("x = torch.randn(10, 3)", "x = torch.randn(10, 3).cuda()")
    assert lines("PTL401", moved.format(kept="loss", prediction="x @ w")) == [11, 12]


STORED_IN_DICT_ITEMS = """
import numpy as np
import torch


def decode(record):
    record["x"] = np.frombuffer(record["raw"], dtype=np.float32).T.reshape(-1, 4){copy}
    return record


def collate(items):
    return [torch.as_tensor(a) for a in items]


records = [{{"raw": b"\\0" * 16 + np.zeros(4, dtype=np.float32).tobytes()}} for _ in range(2)]
batch = collate([decode(r)["x"] for r in records])
"""


def test_a_read_only_view_kept_in_dict_items_and_list_elements_converted_in_a_comprehension():
    # `.T` of np.frombuffer's 1-D array is the array itself: the reshape is a view of the bytes
    assert lines("PTL404", STORED_IN_DICT_ITEMS.format(copy="")) == [11]
    assert lines("PTL404", STORED_IN_DICT_ITEMS.format(copy=".copy()")) == []


def test_a_transposed_2d_read_only_array_reshaped_is_a_copy():
    two_d = STORED_IN_DICT_ITEMS.replace(".T.reshape(-1, 4)", ".reshape(2, -1).T.reshape(-1, 4)")
    assert lines("PTL404", two_d.format(copy="")) == []


LOOP_OVER_OUTPUTS = """
import torch

model = torch.nn.Linear(2, 2)
outs = [model(torch.randn(1, 2)){detach} for _ in range(3)]


def show(*tensors):
    for t in tensors:
        print(t.numpy())


show(*outs)
"""


def test_the_elements_a_loop_takes_from_a_list_of_outputs_still_require_grad():
    # each pass's element gets a graph node of its own (for the freed-graph rule): not a weaker proof
    assert lines("PTL402", LOOP_OVER_OUTPUTS.format(detach="")) == [9]
    assert lines("PTL402", LOOP_OVER_OUTPUTS.format(detach=".detach()")) == []


BYTES_SLICED_IN_A_METHOD = """
import numpy as np
import torch


class Reader:
    def decode(self, blob):
        body = blob[8:]
        return np.frombuffer(memoryview(body), dtype=np.uint8)


reader = Reader()
x = torch.from_numpy(reader.decode({blob}))
"""


def test_bytes_concatenated_sliced_and_viewed_stay_immutable():
    assert lines("PTL404", BYTES_SLICED_IN_A_METHOD.format(blob='b"\\\\x00" * 8 + bytes(16)')) == [12]
    assert lines("PTL404", BYTES_SLICED_IN_A_METHOD.format(blob="bytearray(24)")) == []


CALLBACK_ARGUMENT = """
import torch


def accuracy(pred, target):
    return (pred.numpy() == target).mean()


def evaluate(model, x, target, metric_fn):
    pred = model(x.cuda()).argmax(1){cpu}
    return metric_fn(pred, target)


model = torch.nn.Linear(4, 3).cuda()
evaluate(model, torch.randn(2, 4), [0, 1], accuracy)
"""


def test_a_function_passed_as_an_argument_is_called_with_the_callers_tensor():
    assert lines("PTL401", CALLBACK_ARGUMENT.format(cpu="")) == [5]
    assert lines("PTL401", CALLBACK_ARGUMENT.format(cpu=".cpu()")) == []


METRIC_OF_PREDICTIONS = """
import torch
from sklearn.metrics import accuracy_score

model = torch.nn.Linear(4, 3).cuda()
x = torch.randn(8, 4).cuda()
labels = torch.randint(0, 3, (8,))
preds = model(x).argmax(1){cpu}
print(accuracy_score(labels, preds))
"""


def test_scikit_learn_metrics_convert_their_arguments():
    assert lines("PTL401", METRIC_OF_PREDICTIONS.format(cpu="")) == [8]
    assert lines("PTL401", METRIC_OF_PREDICTIONS.format(cpu=".cpu()")) == []


WRITES_AFTER_THE_CONVERSION = """
import numpy as np
import torch

a = torch.from_numpy(np.frombuffer(bytes(8), dtype=np.uint8))
b = torch.from_numpy(np.frombuffer(bytes(8), dtype=np.uint8))
b = torch.zeros(8, dtype=torch.uint8)
b.add_(1)
a.data[0] = 1
"""


def test_the_evidence_path_names_the_first_write_until_the_name_is_rebound():
    first, second = findings("PTL404", WRITES_AFTER_THE_CONVERSION)
    assert [(r.span.start.line, r.message) for r in first.related][-1] == (
        8,
        "the tensor is written in place here: into the read-only memory",
    )
    assert [r.message for r in second.related] == [
        "the array becomes read-only here: `np.frombuffer` of an immutable bytes object"
    ]
