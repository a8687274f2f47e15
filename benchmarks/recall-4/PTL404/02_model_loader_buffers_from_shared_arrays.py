# Source: https://github.com/hlky/nataili/issues/126
# Pattern: a model loader keeps the weights of a model in a shared object store as numpy arrays and,
# to rebuild the model, replaces each tensor with
# `module.register_buffer(name, torch.as_tensor(array, device=device))`; the arrays the store
# hands back are read-only, and torch warns when it wraps them (the store is a stand-in: a bytes
# payload viewed with `np.frombuffer`, as a shared-memory store returns it).
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
from torch import nn


class ObjectStore:
    def __init__(self):
        self._blobs = {}

    def put(self, name, array):
        self._blobs[name] = (array.tobytes(), array.dtype, array.shape)

    def get(self, name):
        blob, dtype, shape = self._blobs[name]
        return np.frombuffer(blob, dtype=dtype).reshape(shape)


def extract_tensors(model, store):
    for module_name, module in model.named_modules():
        for name, buf in list(module.named_parameters(recurse=False)):
            store.put(f"{module_name}.{name}", buf.detach().numpy())
            delattr(module, name)
            setattr(module, name, None)


def replace_tensors(model, store, device="cpu"):
    for module_name, module in model.named_modules():
        for name in [n for n, v in module.__dict__.items() if v is None and n in ("weight", "bias")]:
            array = store.get(f"{module_name}.{name}")
            module.register_buffer(name, torch.as_tensor(array, device=device))  # bug: PTL404


model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
store = ObjectStore()
extract_tensors(model, store)
replace_tensors(model, store)
print(model(torch.randn(1, 4)))
