"""PTL302 names the method that reads the attribute: a method a sampler calls is not `forward`.

A sequence GAN's generator keeps ``self.start_input`` and reads it in ``first_token``, which its
``sample`` calls; ``forward`` never reads it (audit-16's debatable seqGAN findings said "used in
`forward`"). fake-cuda (torch 2.13), after ``Generator().to(device)``: ``sample(3)`` raises
"Expected all tensors to be on the same device"."""

from __future__ import annotations

from rules_helpers import findings

SAMPLER = """
import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, vocab=10, hidden=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        self.start_input = torch.zeros(1, 1, dtype=torch.long)

    def forward(self, x):
        return -1

    def first_token(self, n):
        return self.start_input.repeat(n, 1)

    def sample(self, n, length=4):
        tokens = self.first_token(n)
        h = None
        out = []
        for _ in range(length):
            o, h = self.lstm(self.embed(tokens), h)
            tokens = self.out(o[:, -1]).argmax(-1, keepdim=True)
            out.append(tokens)
        return torch.cat(out, 1)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
g = Generator().to(device)
print(g.sample(3).shape)
"""


def test_the_message_names_the_method_a_sampler_calls() -> None:
    (finding,) = findings("PTL302", SAMPLER)
    assert finding.line == 11
    assert "used in `first_token` (which `sample` calls, which runs" in finding.message
    assert "`forward`" not in finding.message


def test_a_use_forward_reaches_still_says_forward() -> None:
    # fake-cuda: the same device mismatch, now in forward.
    from_forward = SAMPLER.replace("return -1", "return self.first_token(x.size(0))")
    (finding,) = findings("PTL302", from_forward)
    assert "used in `forward`" in finding.message
