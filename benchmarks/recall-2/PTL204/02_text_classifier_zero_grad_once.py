# Source: https://github.com/FreedomIntelligence/TextClassificationBenchmark/issues/20
# Pattern: the benchmark's main script builds the model and the Adam optimizer, calls
# `optimizer.zero_grad()` once, then loops over the batches: forward, NLL loss, backward, a gradient
# clipping helper, step, with no reset inside the loop.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn
from torch.nn.modules.loss import NLLLoss

BATCH, VOCAB, LEN = 4, 30, 7


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 8)
        self.lstm = nn.LSTM(8, 12, batch_first=True)
        self.hidden2label = nn.Linear(12, 2)

    def forward(self, text):
        out, _ = self.lstm(self.embedding(text))
        return torch.log_softmax(self.hidden2label(out[:, -1]), dim=-1)


def clip_gradient(optimizer, grad_clip):
    for group in optimizer.param_groups:
        for param in group["params"]:
            if param.grad is not None:
                param.grad.data.clamp_(-grad_clip, grad_clip)


torch.manual_seed(0)
model = LSTMClassifier()
if torch.cuda.is_available():
    model.cuda()
model.train()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
optimizer.zero_grad()
loss_fun = NLLLoss()
train_iter = [(torch.randint(0, VOCAB, (BATCH, LEN)), torch.randint(0, 2, (BATCH,))) for _ in range(5)]

for _index, (text, label) in enumerate(train_iter):
    if len(text) == BATCH:
        predicted = model(text)
        loss = loss_fun(predicted, label)
        loss.backward()
        clip_gradient(optimizer, 100.0)
        optimizer.step()  # bug: PTL204
        print(f"loss : {loss.item():.5f}")

text, label = train_iter[-1]
fresh = torch.autograd.grad(loss_fun(model(text), label), model.hidden2label.weight)[0]
if not torch.allclose(model.hidden2label.weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
