# A tiny scalar autodiff engine (micrograd style) checked against torch. Its `Variable` class
# is the user's own; `.data` here is a float attribute of that class.
import math

import torch


class Variable:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Variable) else Variable(other)
        out = Variable(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Variable) else Variable(other)
        out = Variable(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Variable(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def check():
    a, b = Variable(-4.0), Variable(2.0)
    c = (a * b + b).tanh()
    c.backward()
    ta = torch.tensor(-4.0, requires_grad=True)
    tb = torch.tensor(2.0, requires_grad=True)
    tc = (ta * tb + tb).tanh()
    tc.backward()
    assert abs(c.data - tc.item()) < 1e-6
    assert abs(a.grad - ta.grad.item()) < 1e-6
    assert abs(b.grad - tb.grad.item()) < 1e-6
    print("ok", c.data, a.grad, b.grad)


check()
