"""Examples of PTL107 retain-variables-keyword."""

from pt_lsp.core.examples import Example, Raises, Runtime

REMOVED = Raises("TypeError", r"unexpected keyword argument 'retain_variables'")

EXAMPLES = (
    Example(
        "a GAN's discriminator loss backwarded twice, the old way",
        """
        import torch

        x = torch.ones(2, 2, requires_grad=True)
        z = torch.mm(x, x)
        z.backward(torch.ones(2, 2), retain_variables=True)  # expect: PTL107
        z.backward(torch.ones(2, 2))
        """,
        fixed="""
        import torch

        x = torch.ones(2, 2, requires_grad=True)
        z = torch.mm(x, x)
        z.backward(torch.ones(2, 2), retain_graph=True)
        z.backward(torch.ones(2, 2))
        """,
        runtime=Runtime(
            REMOVED,
            outputs="(x.grad, x.grad.requires_grad)",
            reference="""
            import torch

            x = torch.ones(2, 2, requires_grad=True)
            z = torch.mm(x, x)
            z.backward(torch.ones(2, 2), retain_graph=True)
            z.backward(torch.ones(2, 2))
            """,
        ),
    ),
    Example(
        "a loss kept for a second backward in an old tutorial",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        loss = (w * w).sum()
        loss.backward(retain_variables=True)  # expect: PTL107
        first = w.grad.clone()
        """,
        fixed="""
        import torch

        w = torch.ones(3, requires_grad=True)
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        first = w.grad.clone()
        """,
        runtime=Runtime(
            REMOVED,
            outputs="(first, w.grad, w.grad.requires_grad)",
            reference="""
            import torch

            w = torch.ones(3, requires_grad=True)
            loss = (w * w).sum()
            loss.backward(retain_graph=True)
            first = w.grad.clone()
            """,
            driver="""
            loss.backward()
            """,
        ),
    ),
    Example(
        "torch.autograd.backward with the old keyword",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        y = (w * 2).sum()
        torch.autograd.backward([y], retain_variables=True)  # expect: PTL107
        """,
        fixed="""
        import torch

        w = torch.ones(3, requires_grad=True)
        y = (w * 2).sum()
        torch.autograd.backward([y], retain_graph=True)
        """,
        runtime=Runtime(
            REMOVED,
            outputs="(w.grad, w.grad.requires_grad)",
            reference="""
            import torch

            w = torch.ones(3, requires_grad=True)
            y = (w * 2).sum()
            y.backward(retain_graph=True)
            """,
            driver="""
            y.backward()
            """,
        ),
    ),
    Example(
        "a flag passed on from a variable",
        """
        def step(loss, keep):
            loss.backward(retain_variables=keep)  # expect: PTL107
        """,
        fixed="""
        def step(loss, keep):
            loss.backward(retain_graph=keep)
        """,
        runtime=Runtime(
            REMOVED,
            outputs="(w.grad, w.grad.requires_grad)",
            reference="""
            def step(loss, keep):
                loss.backward(retain_graph=keep)
            """,
            driver="""
            import torch

            w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
            loss = (w**3).sum()
            step(loss, True)
            step(loss, False)
            """,
        ),
    ),
    Example(
        "a method call on a model's output",
        """
        def train(model, x):
            model(x).sum().backward(retain_variables=False)  # expect: PTL107
        """,
        fixed="""
        def train(model, x):
            model(x).sum().backward(retain_graph=False)
        """,
        runtime=Runtime(
            REMOVED,
            outputs="[p.grad for p in model.parameters()]",
            reference="""
            def train(model, x):
                model(x).sum().backward()
            """,
            driver="""
            import torch

            model = torch.nn.Linear(3, 1)
            train(model, torch.randn(4, 3))
            """,
        ),
    ),
    Example(
        "both spellings at once: no automatic fix",
        """
        def train(loss):
            loss.backward(retain_graph=True, retain_variables=True)  # expect: PTL107
        """,
        runtime=Runtime(
            REMOVED,
            driver="""
            import torch

            w = torch.ones(3, requires_grad=True)
            train((w * w).sum())
            """,
        ),
    ),
    Example(
        "the current keyword",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "torch.autograd.backward with retain_graph",
        """
        import torch

        w = torch.ones(3, requires_grad=True)
        y = (w * 2).sum()
        torch.autograd.backward([y], retain_graph=True)
        """,
        runtime=Runtime(),
    ),
    Example(
        "a keyword of the same name on another library's function",
        """
        import mylib

        mylib.run(retain_variables=True)
        """,
    ),
    Example(
        "a backward method of a library that is not torch",
        """
        from mylib import backward

        backward(retain_variables=True)
        """,
    ),
    Example(
        "the word in a string",
        """
        message = "use retain_graph instead of retain_variables"
        print(message)
        """,
    ),
    Example(
        "a dict key named like the keyword",
        """
        options = {"retain_variables": True}
        print(options)
        """,
    ),
)
