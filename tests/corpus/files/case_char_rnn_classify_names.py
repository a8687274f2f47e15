# "Classifying names with a character-level RNN" tutorial: a hand-written RNN cell, a fresh
# hidden state per name (new graph each call), and the tutorial's manual SGD on .data.
import random
import string

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
learning_rate = 0.005


def letter_to_index(letter):
    return all_letters.find(letter)


def line_to_tensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letter_to_index(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.softmax(self.i2o(combined))
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


rnn = RNN(n_letters, 128, 18)
criterion = nn.NLLLoss()


def train(category_tensor, line_tensor):
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)  # expect: PTL102
    return output, loss.item()


def category_from_output(output):
    top_n, top_i = output.topk(1)
    return top_i[0].item()


current_loss = 0
for it in range(1, 1001):
    name = "".join(random.choice(string.ascii_letters) for _ in range(6))
    category_tensor = torch.tensor([random.randrange(18)], dtype=torch.long)
    output, loss = train(category_tensor, line_to_tensor(name))
    current_loss += loss
    if it % 100 == 0:
        print(it, current_loss / 100, category_from_output(output))
        current_loss = 0
