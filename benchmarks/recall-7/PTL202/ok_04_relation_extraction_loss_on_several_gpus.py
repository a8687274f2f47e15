# Source: https://github.com/hy-struggle/PRGC/issues/16
# Pattern: fix: the per-device losses are averaged before `backward()`, as multi-GPU training scripts do
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class GatheringParallel(nn.Module):
    """Stand-in for nn.DataParallel on two devices: scatter the batch, gather each replica's 0-dim output."""

    def __init__(self, module, num_devices=2):
        super().__init__()
        self.module, self.num_devices = module, num_devices

    def forward(self, **kwargs):
        chunks = [dict(zip(kwargs, values)) for values in zip(*(v.chunk(self.num_devices) for v in kwargs.values()))]
        return torch.stack([self.module(**chunk) for chunk in chunks])


class BertForRE(nn.Module):
    def __init__(self, vocab=100, hidden=32, num_rels=5, num_tags=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.encoder = nn.GRU(hidden, hidden // 2, batch_first=True, bidirectional=True)
        self.rel_judgement = nn.Linear(hidden, num_rels)
        self.sequence_tagging = nn.Linear(hidden, num_tags)

    def forward(self, input_ids, seq_tags, potential_rels):
        h, _ = self.encoder(self.embed(input_ids))
        rel_logits = self.rel_judgement(h.mean(dim=1))
        tag_logits = self.sequence_tagging(h)
        loss_seq = F.cross_entropy(tag_logits.reshape(-1, tag_logits.size(-1)), seq_tags.reshape(-1))
        loss_rel = F.binary_cross_entropy_with_logits(rel_logits, potential_rels)
        return loss_seq + loss_rel


def train_epoch(model, batches, optimizer):
    model.train()
    for step, (input_ids, seq_tags, potential_rels) in enumerate(batches):
        loss = model(input_ids=input_ids, seq_tags=seq_tags, potential_rels=potential_rels).mean()
        loss.backward()
        optimizer.step()
        model.zero_grad()
        print(f"step {step}: loss {loss.mean().item():.4f}")


model = GatheringParallel(BertForRE())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
batches = [
    (torch.randint(0, 100, (6, 12)), torch.randint(0, 3, (6, 12)), torch.randint(0, 2, (6, 5)).float())
    for _ in range(3)
]
train_epoch(model, batches, optimizer)
