# Source: https://github.com/linkedin/Liger-Kernel/pull/435
# Pattern: a causal-LM fine-tuning step uses a token cross-entropy built with `reduction="none"`, which returns
#   one loss per token (the behaviour the PR gives the fused kernel); `loss.backward()` needs a reduction first
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn as nn


class TinyCausalLM(nn.Module):
    def __init__(self, vocab=50, dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.block = nn.TransformerEncoderLayer(dim, 4, 64, batch_first=True)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        mask = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        return self.lm_head(self.block(self.embed(input_ids), src_mask=mask))


def train_step(model, loss_fn, optimizer, input_ids):
    logits = model(input_ids)[:, :-1]
    labels = input_ids[:, 1:]
    loss = loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    optimizer.zero_grad()
    loss.backward()  # bug: PTL202
    optimizer.step()
    return loss


model = TinyCausalLM()
loss_fn = nn.CrossEntropyLoss(reduction="none")
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
for _ in range(2):
    train_step(model, loss_fn, optimizer, torch.randint(0, 50, (2, 12)))
