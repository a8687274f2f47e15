# Source: https://github.com/fawazsammani/knowing-when-to-look-adaptive-attention/issues/12
# Pattern: an adaptive-attention captioner's training step removes the padded time steps with
#   `scores, _ = pack_padded_sequence(...)`, written for the two-field PackedSequence of torch 1.0
# error: too many values to unpack (expected 2)
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence


class Decoder(nn.Module):
    def __init__(self, vocab_size=30, embed_dim=16, hidden=32):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, vocab_size)

    def forward(self, captions, caption_lengths):
        caption_lengths, sort_ind = caption_lengths.sort(dim=0, descending=True)
        captions = captions[sort_ind]
        decode_lengths = (caption_lengths - 1).tolist()
        out, _ = self.lstm(self.embed(captions[:, :-1]))
        return self.fc(out), captions, decode_lengths


decoder = Decoder()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(decoder.parameters(), lr=1e-3)
captions = torch.randint(0, 30, (4, 9))
lengths = torch.tensor([9, 7, 5, 8])

predictions, caps_sorted, decode_lengths = decoder(captions, lengths)
targets = caps_sorted[:, 1:]
scores, _ = pack_padded_sequence(predictions, decode_lengths, batch_first=True)  # bug: PTL109
targets, _ = pack_padded_sequence(targets, decode_lengths, batch_first=True)  # also: PTL109
loss = criterion(scores, targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()
