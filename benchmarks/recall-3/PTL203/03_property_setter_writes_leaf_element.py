# Source: https://openillumi.com/en/en-pytorch-autograd-view-leaf-error-fix
# Pattern: the article's case: a parameter object keeps a trainable vector (`pdfvec`, a leaf with
# `requires_grad=True`) and small handle objects expose one entry each through a property whose
# setter assigns `self.param.pdfvec[self.key] = value`; setting a value raises although the line
# does not look in-place.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch


class PDFParameters:
    def __init__(self, names):
        self.index = {name: i for i, name in enumerate(names)}
        self.pdfvec = torch.zeros(len(names), requires_grad=True)


class Knob:
    def __init__(self, param, name):
        self.param = param
        self.key = param.index[name]

    @property
    def value(self):
        return self.param.pdfvec[self.key]

    @value.setter
    def value(self, value):
        self.param.pdfvec[self.key] = value  # bug: PTL203


params = PDFParameters(["mu", "sigma", "skew"])
knobs = {name: Knob(params, name) for name in params.index}
knobs["sigma"].value = 1.0
loss = (params.pdfvec - torch.tensor([0.0, 2.0, 0.5])).pow(2).sum()
loss.backward()
print(params.pdfvec.grad)
