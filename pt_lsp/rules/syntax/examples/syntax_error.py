"""Examples of PTL000 syntax-error: programs that do not parse, and near misses that do."""

from pt_lsp.core.examples import Example, Raises, Runtime


def not_parsed(message: str) -> Runtime:
    """Python refuses the program: compiling it raises SyntaxError at the marked line."""
    return Runtime(Raises("SyntaxError", message))


EXAMPLES = (
    Example(
        "a Python 2 print statement in an old training loop",
        """
        import torch

        loss = torch.tensor(0.5)
        print "loss", loss.item()  # expect: PTL000
        """,
        runtime=not_parsed(r"Missing parentheses in call to 'print'"),
    ),
    Example(
        "a call left open while editing",
        """
        import torch

        x = torch.randn(3, 4  # expect: PTL000
        y = x.sum()
        """,
        runtime=not_parsed(r"'\(' was never closed"),
    ),
    Example(
        "a missing colon after a for header",
        """
        import torch

        for step in range(10)  # expect: PTL000
            torch.manual_seed(step)
        """,
        runtime=not_parsed(r"expected ':'"),
    ),
    Example(
        "a Python 2 exec statement",
        """
        code = "x = 1"
        exec code  # expect: PTL000
        """,
        runtime=not_parsed(r"Missing parentheses in call to 'exec'"),
    ),
    Example(
        "a keyword used as a keyword argument",
        """
        import torch

        loader = torch.utils.data.DataLoader([], async=True)  # expect: PTL000
        """,
        runtime=not_parsed(r"invalid syntax"),
    ),
    Example(
        "an assignment to a call",
        """
        import torch

        torch.zeros(3) = 1  # expect: PTL000
        """,
        runtime=not_parsed(r"cannot assign to function call"),
    ),
    Example(
        "the Python 3 print call",
        """
        import torch

        loss = torch.tensor(0.5)
        print("loss", loss.item())
        """,
        runtime=Runtime(),
    ),
    Example(
        "a call spread over lines",
        """
        import torch

        x = torch.randn(
            3, 4,
        )
        y = x.sum()
        """,
        runtime=Runtime(),
    ),
    Example(
        "soft keywords used as names",
        """
        match = [1, 2]
        type = "float32"
        case = match[0]
        """,
    ),
    Example(
        "a match statement",
        """
        def device_name(kind):
            match kind:
                case "gpu":
                    return "cuda"
                case _:
                    return "cpu"
        """,
    ),
    Example(
        "an assignment expression",
        """
        import torch

        if (n := torch.randn(3).numel()) > 2:
            print(n)
        """,
    ),
    Example(
        "async used as a keyword argument name in a string",
        """
        options = {"async": True}
        print(options["async"])
        """,
    ),
)
