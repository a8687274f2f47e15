# Source: https://github.com/facebookresearch/InferSent/issues/87
# Pattern: a sentence encoder's encode() method slices the batch and wraps it with
# Variable(..., volatile=True) before the forward pass.
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class BLSTMEncoder(nn.Module):
    def __init__(self, word_dim=8, enc_dim=16):
        super().__init__()
        self.enc_lstm = nn.LSTM(word_dim, enc_dim, bidirectional=True)

    def forward(self, sent):
        return self.enc_lstm(sent)[0].max(0)[0]

    def get_batch(self, batch):
        return torch.stack([torch.randn(len(s), 8) for s in batch], dim=1)

    def encode(self, sentences, bsize=2):
        embeddings = []
        for stidx in range(0, len(sentences), bsize):
            batch = Variable(self.get_batch(sentences[stidx : stidx + bsize]), volatile=True)  # bug: PTL101
            embeddings.append(self.forward(batch).data.numpy())
        return embeddings


BLSTMEncoder().encode([["a", "b", "c"]] * 4)
