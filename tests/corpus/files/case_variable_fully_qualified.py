# Linear regression from an old blog post, using torch.autograd.Variable without importing the
# name, and a manual gradient-descent update on .data.
import numpy as np
import torch

x_values = np.arange(11, dtype=np.float32).reshape(-1, 1)
y_values = (2 * x_values + 1).astype(np.float32)


class LinearRegression(torch.nn.Module):
    def __init__(self, input_size, output_size):
        super(LinearRegression, self).__init__()
        self.linear = torch.nn.Linear(input_size, output_size)

    def forward(self, x):
        return self.linear(x)


model = LinearRegression(1, 1)
criterion = torch.nn.MSELoss()
learning_rate = 0.01

for epoch in range(100):
    inputs = torch.autograd.Variable(torch.from_numpy(x_values))  # expect: PTL101
    labels = torch.autograd.Variable(torch.from_numpy(y_values))  # expect: PTL101
    model.zero_grad()
    outputs = model(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    for param in model.parameters():
        param.data -= learning_rate * param.grad.data  # expect: PTL102
    print("epoch {}, loss {}".format(epoch, loss.item()))

with torch.no_grad():
    predicted = model(torch.from_numpy(x_values)).numpy()
print(predicted)
