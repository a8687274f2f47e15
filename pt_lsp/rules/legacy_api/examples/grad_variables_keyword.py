"""Examples of PTL108 grad-variables-keyword."""

from pt_lsp.core.examples import Example, Raises, Runs, Runtime

DEPRECATED = Runs("torch accepts the old keyword with a FutureWarning and passes it on as grad_tensors")

EXAMPLES = (
    Example(
        "two losses backwarded with their own gradients, the old way",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        a = w * 2
        b = (w * w).sum()
        torch.autograd.backward([a, b], grad_variables=[torch.ones(3), torch.tensor(0.5)])  # expect: PTL108
        """,
        fixed="""
        import torch

        w = torch.ones(3, requires_grad=True)
        a = w * 2
        b = (w * w).sum()
        torch.autograd.backward([a, b], grad_tensors=[torch.ones(3), torch.tensor(0.5)])
        """,
        runtime=Runtime(DEPRECATED, outputs="w.grad"),
    ),
    Example(
        "the function imported from torch.autograd",
        """
        import torch
        from torch.autograd import backward

        x = torch.arange(4.0, requires_grad=True)
        y = x**2
        backward(y, grad_variables=torch.ones(4))  # expect: PTL108
        """,
        fixed="""
        import torch
        from torch.autograd import backward

        x = torch.arange(4.0, requires_grad=True)
        y = x**2
        backward(y, grad_tensors=torch.ones(4))
        """,
        runtime=Runtime(DEPRECATED, outputs="x.grad"),
    ),
    Example(
        "a helper of an old training loop, through a module alias",
        """
        from torch import autograd


        def step(outputs, grads, keep):
            autograd.backward(outputs, grad_variables=grads, retain_graph=keep)  # expect: PTL108
        """,
        fixed="""
        from torch import autograd


        def step(outputs, grads, keep):
            autograd.backward(outputs, grad_tensors=grads, retain_graph=keep)
        """,
        runtime=Runtime(
            DEPRECATED,
            outputs="w.grad",
            driver="""
            import torch

            w = torch.tensor([1.0, 2.0], requires_grad=True)
            y = w * 3
            step([y], [torch.ones(2)], True)
            step([y], [torch.full((2,), 2.0)], False)
            """,
        ),
    ),
    Example(
        "the keyword on a line of its own",
        """
        import torch

        w = torch.ones(2, requires_grad=True)
        torch.autograd.backward(
            [w * 5],
            grad_variables=[torch.ones(2)],  # expect: PTL108
        )
        """,
        fixed="""
        import torch

        w = torch.ones(2, requires_grad=True)
        torch.autograd.backward(
            [w * 5],
            grad_tensors=[torch.ones(2)],
        )
        """,
        runtime=Runtime(DEPRECATED, outputs="w.grad"),
    ),
    Example(
        "both spellings at once: torch refuses, and there is no automatic fix",
        """
        import torch

        w = torch.ones(2, requires_grad=True)
        g = torch.ones(2)
        torch.autograd.backward([w * 2], grad_tensors=[g], grad_variables=[g])  # expect: PTL108
        """,
        # torch 2.1 quotes the names with ', torch 2.13 with `.
        runtime=Runtime(
            Raises("RuntimeError", r"[`']grad_tensors[`'] and [`']grad_variables[`'] \(deprecated\) arguments both")
        ),
    ),
    Example(
        "a multi-task trainer weighting its losses",
        """
        import torch


        class Trainer:
            def __init__(self, weights):
                self.weights = weights

            def backward(self, losses):
                grads = [torch.tensor(w) for w in self.weights]
                torch.autograd.backward(losses, grad_variables=grads)  # expect: PTL108
        """,
        fixed="""
        import torch


        class Trainer:
            def __init__(self, weights):
                self.weights = weights

            def backward(self, losses):
                grads = [torch.tensor(w) for w in self.weights]
                torch.autograd.backward(losses, grad_tensors=grads)
        """,
        runtime=Runtime(
            DEPRECATED,
            outputs="w.grad",
            driver="""
            w = torch.ones(2, requires_grad=True)
            Trainer([1.0, 0.25]).backward([(w * 2).sum(), (w**2).sum()])
            """,
        ),
    ),
    Example(
        "the current keyword",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        torch.autograd.backward([w * 2], grad_tensors=[torch.ones(3)])
        """,
        runtime=Runtime(),
    ),
    Example(
        "a tensor's own backward takes `gradient=`",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        (w * 2).backward(gradient=torch.ones(3))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a keyword of the same name on another library's function",
        """
        import mylib

        mylib.backward([1.0], grad_variables=[2.0])
        """,
    ),
    Example(
        "a method named backward of an object that is not torch",
        """
        def run(engine, grads):
            engine.backward(grad_variables=grads)
        """,
    ),
    Example(
        "the word in a string and a dict key",
        """
        options = {"grad_variables": None}
        print("grad_variables is deprecated", options)
        """,
    ),
    Example(
        "a local function called backward",
        """
        def backward(outputs, grad_variables=None):
            return outputs, grad_variables


        backward([1.0], grad_variables=[2.0])
        """,
        runtime=Runtime(),
    ),
)
