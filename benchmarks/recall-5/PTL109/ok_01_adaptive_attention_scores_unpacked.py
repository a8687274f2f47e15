# Source: https://github.com/fawazsammani/knowing-when-to-look-adaptive-attention/issues/12
# Pattern: the fix: take the flat `.data` field of the PackedSequence
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
scores = pack_padded_sequence(predictions, decode_lengths, batch_first=True).data
targets = pack_padded_sequence(targets, decode_lengths, batch_first=True).data
loss = criterion(scores, targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()
