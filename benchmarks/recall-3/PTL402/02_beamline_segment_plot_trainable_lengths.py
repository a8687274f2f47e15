# Source: https://github.com/desy-ml/cheetah/issues/287
# Pattern: a differentiable beamline simulation keeps element lengths and quadrupole strengths as
# tensors with `requires_grad=True` so they can be optimised; `Segment.plot()` computes the element
# positions with `torch.cumsum` and hands them to matplotlib (not installed: `ax_plot` is a stand-in
# converting with `np.asarray`, as matplotlib does).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch


def ax_plot(x, y):
    return np.asarray(x), np.asarray(y)  # bug: PTL402


class Element:
    def __init__(self, length, name):
        self.length = length
        self.name = name


class Drift(Element):
    pass


class Quadrupole(Element):
    def __init__(self, length, k1, name):
        super().__init__(length, name)
        self.k1 = k1


class Segment:
    def __init__(self, elements):
        self.elements = elements

    @property
    def length(self):
        return sum(element.length for element in self.elements)

    def plot(self):
        lengths = torch.stack([element.length for element in self.elements])
        s_positions = torch.cumsum(lengths, dim=0)
        heights = torch.stack(
            [e.k1 if isinstance(e, Quadrupole) else torch.zeros_like(e.length) for e in self.elements]
        )
        ax_plot(s_positions, heights)


segment = Segment(
    [
        Drift(length=torch.tensor(0.5, requires_grad=True), name="D1"),
        Quadrupole(length=torch.tensor(0.2), k1=torch.tensor(4.2, requires_grad=True), name="Q1"),
        Drift(length=torch.tensor(0.3), name="D2"),
    ]
)
print(float(segment.length))
segment.plot()
