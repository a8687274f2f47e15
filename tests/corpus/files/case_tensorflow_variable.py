# Porting weights from a TensorFlow 2 checkpoint to an equivalent PyTorch model. TensorFlow's
# Variable is not torch's; nothing here is a PyTorch mistake.
import numpy as np
import tensorflow as tf
import torch
import torch.nn as nn
from tensorflow import Variable

tf_w = tf.Variable(tf.random.normal([784, 128]), name="dense/kernel")
tf_b = Variable(tf.zeros([128]), name="dense/bias")
step = tf.Variable(0, trainable=False, dtype=tf.int64)


class Dense(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 128)

    def forward(self, x):
        return torch.relu(self.fc(x))


def port(tf_kernel, tf_bias, module):
    with torch.no_grad():
        module.fc.weight.copy_(torch.from_numpy(tf_kernel.numpy().T))
        module.fc.bias.copy_(torch.from_numpy(tf_bias.numpy()))


model = Dense()
port(tf_w, tf_b, model)
x = np.random.rand(4, 784).astype(np.float32)
tf_out = tf.nn.relu(tf.matmul(x, tf_w) + tf_b).numpy()
torch_out = model(torch.from_numpy(x)).detach().numpy()
print(np.abs(tf_out - torch_out).max())
step.assign_add(1)
