# Source: https://github.com/jeshraghian/snntorch/pull/443
# Pattern: a spiking neuron's `zeros(*states)` "clear hidden state variables to zero" helper: written as
#   `state.zero_()`, it raises on a hidden state that is still a grad-requiring leaf, the state an init function hands
#   out before the first forward ("mem = torch.ones(2, 4, requires_grad=True) ... mem.zero_() RuntimeError: a leaf
#   Variable that requires grad is being used in an in-place operation"); the PR zeroes `state.detach()` instead
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn

torch.manual_seed(0)


class Leaky(nn.Module):
    """Leaky integrate-and-fire neuron with a learnable initial membrane potential."""

    def __init__(self, beta=0.9, threshold=1.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def init_leaky(self, batch_size, num_neurons):
        return torch.ones(batch_size, num_neurons, requires_grad=True)

    def forward(self, input_, mem):
        mem = self.beta * mem + input_
        spk = torch.sigmoid(5 * (mem - self.threshold))  # smooth surrogate of the spike
        mem = mem - spk.detach() * self.threshold
        return spk, mem


def zeros(*args):
    """Clear hidden state variables to zero."""
    for state in args:
        state.zero_()  # bug: PTL203


fc, lif = nn.Linear(10, 4), Leaky()
optimizer = torch.optim.Adam(fc.parameters(), lr=1e-2)
num_steps, batch_size = 5, 2

for batch in range(3):
    data, target = torch.rand(num_steps, batch_size, 10), torch.rand(batch_size, 4)
    mem = lif.init_leaky(batch_size, 4)
    zeros(mem)  # start every sequence from rest
    spk_sum = 0
    for step in range(num_steps):
        spk, mem = lif(fc(data[step]), mem)
        spk_sum = spk_sum + spk
    loss = ((spk_sum / num_steps - target) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"batch {batch}: loss {loss.item():.4f}")
