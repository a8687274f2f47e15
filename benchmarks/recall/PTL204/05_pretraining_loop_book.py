# Source: https://github.com/affaan-m/ECC/pull/3122
# Pattern: a from-scratch LLM pretraining loop: for each batch, compute the loss, backward, step; the
# gradients are never cleared.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn


def calc_loss_batch(input_batch, target_batch, model, device):
    logits = model(input_batch.to(device))
    return nn.functional.cross_entropy(logits.flatten(0, 1), target_batch.to(device).flatten())


def train_model_simple(model, train_loader, optimizer, device, num_epochs):
    for _epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            optimizer.step()  # bug: PTL204


vocab = 30
model = nn.Sequential(nn.Embedding(vocab, 8), nn.Linear(8, vocab))
optimizer = torch.optim.AdamW(model.parameters(), lr=4e-4, weight_decay=0.1)
loader = [(torch.randint(0, vocab, (2, 6)), torch.randint(0, vocab, (2, 6))) for _ in range(3)]
train_model_simple(model, loader, optimizer, torch.device("cpu"), num_epochs=1)

inputs, targets = loader[-1]
fresh = torch.autograd.grad(calc_loss_batch(inputs, targets, model, "cpu"), model[1].weight)[0]
if not torch.allclose(model[1].weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
