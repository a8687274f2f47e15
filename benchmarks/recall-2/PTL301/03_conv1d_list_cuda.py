# Source: https://github.com/pytorch/pytorch/issues/1053
# Pattern: a text CNN keeps three Conv1d filters of widths 3, 4, 5 in a list literal; after `.cuda()`
# they stay on the CPU and the first of them fails on the GPU input.
# error: Expected all tensors to be on the same device
# symptom: the forward pass on the first conv of the list
# device: fake-cuda
import torch as th

WORD_VEC_SIZE = 8


class Net(th.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1d = [  # bug: PTL301
            th.nn.Conv1d(WORD_VEC_SIZE, 1, 3),
            th.nn.Conv1d(WORD_VEC_SIZE, 1, 4),
            th.nn.Conv1d(WORD_VEC_SIZE, 1, 5),
        ]
        self.out = th.nn.Linear(3, 2)

    def forward(self, x):
        pooled = [conv(x).max(dim=2)[0] for conv in self.conv1d]
        return self.out(th.cat(pooled, dim=1))


a = Net()
a.cuda()
print(a(th.randn(2, WORD_VEC_SIZE, 12).cuda()))
