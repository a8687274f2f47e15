# Source: https://github.com/yunjey/pytorch-tutorial/issues/111
# Pattern: the image-captioning tutorial's `sample.py` wraps the test image with its `to_var(x,
# volatile=False)` helper, which moves it to the GPU when one is there and returns
# `Variable(x, volatile=volatile)`; the sampling call passes `volatile=True`.
# error: volatile was removed
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


def to_var(x, volatile=False):
    if torch.cuda.is_available():
        x = x.cuda()
    return Variable(x, volatile=volatile)  # bug: PTL101


class EncoderCNN(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.linear = nn.Linear(8, embed_size)

    def forward(self, images):
        return self.linear(self.conv(images).flatten(1))


class DecoderRNN(nn.Module):
    def __init__(self, embed_size, hidden_size, vocab_size, max_seq_length=6):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)
        self.max_seq_length = max_seq_length

    def sample(self, features, states=None):
        sampled_ids = []
        inputs = features.unsqueeze(1)
        for _ in range(self.max_seq_length):
            hiddens, states = self.lstm(inputs, states)
            predicted = self.linear(hiddens.squeeze(1)).argmax(1)
            sampled_ids.append(predicted)
            inputs = self.embed(predicted).unsqueeze(1)
        return torch.stack(sampled_ids, 1)


def main():
    encoder, decoder = EncoderCNN(16).eval(), DecoderRNN(16, 32, 20)
    image = torch.rand(3, 32, 32)
    image_tensor = to_var(image.unsqueeze(0), volatile=True)  # also: PTL101
    feature = encoder(image_tensor)
    print(decoder.sample(feature)[0].tolist())


main()
