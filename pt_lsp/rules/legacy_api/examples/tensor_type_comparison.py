"""Examples of PTL105 tensor-type-comparison."""

from pt_lsp.core.examples import Example, Probe, Raises, Runs, Runtime

EXAMPLES = (
    Example(
        "casting to double only when the input is float32",
        """
        import torch

        x = torch.randn(3)
        if x.type() == torch.float32:  # expect: PTL105
            x = x.double()
        """,
        fixed="""
        import torch

        x = torch.randn(3)
        if x.dtype == torch.float32:
            x = x.double()
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = x.dtype != torch.float64",
                "the branch for float32 tensors never ran: x is still float32",
            ),
            outputs="(x, x.dtype)",
            reference="""
            import torch

            x = torch.randn(3)
            x = x.double()
            """,
        ),
    ),
    Example(
        "a helper that halves float tensors compares with the tensor class",
        """
        import torch

        def to_half_if_float(t):
            if t.type() is torch.FloatTensor:  # expect: PTL105
                return t.half()
            return t

        out = to_half_if_float(torch.ones(2))
        """,
        fixed="""
        import torch

        def to_half_if_float(t):
            if t.dtype is torch.float32:
                return t.half()
            return t

        out = to_half_if_float(torch.ones(2))
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = out.dtype != torch.float16",
                "the float tensor was not converted to half",
            ),
            outputs="(out, out.dtype)",
            reference="""
            import torch

            out = torch.ones(2).half()
            """,
        ),
    ),
    Example(
        "an assertion that can never hold",
        """
        import torch

        def check_labels(labels):
            assert labels.type() == torch.long, "labels must be int64"  # expect: PTL105
        """,
        fixed="""
        import torch

        def check_labels(labels):
            assert labels.dtype == torch.long, "labels must be int64"
        """,
        runtime=Runtime(
            Raises("AssertionError", "labels must be int64"),
            outputs="loss",
            reference="""
            import torch

            def check_labels(labels):
                assert labels.dtype is torch.int64, "labels must be int64"
            """,
            driver="""
            labels = torch.tensor([2, 0, 1])
            check_labels(labels)
            loss = torch.nn.functional.cross_entropy(torch.randn(3, 4), labels)
            """,
        ),
    ),
    Example(
        "a mixed-precision guard with a membership test",
        """
        import torch

        def maybe_upcast(h):
            if h.type() in (torch.float16, torch.bfloat16):  # expect: PTL105
                h = h.float()
            return h
        """,
        fixed="""
        import torch

        def maybe_upcast(h):
            if h.dtype in (torch.float16, torch.bfloat16):
                h = h.float()
            return h
        """,
        runtime=Runtime(
            Probe("symptom = h.dtype != torch.float32", "the float16 activations were not upcast"),
            outputs="(h, h.dtype)",
            reference="""
            import torch

            def maybe_upcast(h):
                return h.float() if h.dtype in (torch.float16, torch.bfloat16) else h
            """,
            driver="""
            h = maybe_upcast(torch.randn(4).half())
            """,
        ),
    ),
    Example(
        "a CUDA class compared with != (always True)",
        """
        import torch

        def ensure_gpu(t):
            if t.type() != torch.cuda.FloatTensor:  # expect: PTL105
                t = t.cuda().float()
            return t
        """,
        fixed="""
        import torch

        def ensure_gpu(t):
            if t.type() != "torch.cuda.FloatTensor":
                t = t.cuda().float()
            return t
        """,
        runtime=Runtime(
            Runs("the test is always True, but moving and casting a CUDA float tensor again changes nothing"),
            outputs="(batch, again, again.dtype, str(again.device))",
            driver="""
            batch = ensure_gpu(torch.randn(2, 3, dtype=torch.float64))
            again = ensure_gpu(batch)
            """,
        ),
    ),
    Example(
        "comparing with torch.Tensor: no automatic fix",
        """
        import torch

        def is_tensor(obj):
            return obj.type() == torch.Tensor  # expect: PTL105
        """,
        runtime=Runtime(
            Probe("symptom = not any(flags)", "is_tensor() is False even for tensors"),
            driver="""
            flags = [is_tensor(torch.zeros(2)), is_tensor(torch.arange(3))]
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "comparing the type string with a string",
        """
        import torch

        x = torch.zeros(2)
        assert x.type() == "torch.FloatTensor"
        is_long = x.long().type() == "torch.LongTensor"
        """,
        runtime=Runtime(),
    ),
    Example(
        "comparing dtypes",
        """
        import torch

        x = torch.zeros(2, dtype=torch.float64)
        assert x.dtype == torch.float64
        assert x.dtype is not torch.float32
        """,
        runtime=Runtime(),
    ),
    Example(
        "type() with an argument converts",
        """
        import torch

        x = torch.arange(3)
        y = x.type(torch.float32)
        assert y.dtype == torch.float32
        """,
        runtime=Runtime(),
    ),
    Example(
        "Python's type() builtin and isinstance",
        """
        import torch

        def describe(x):
            if isinstance(x, torch.Tensor) and type(x) is torch.Tensor:
                return x.type()
            return str(type(x))
        """,
    ),
    Example(
        "another library's type() method",
        """
        import torch

        def is_float_column(column):
            return column.type() == "float"
        """,
    ),
    Example(
        "the type string compared with a variable",
        """
        import torch

        expected = torch.zeros(1).type()
        x = torch.ones(3)
        same = x.type() == expected
        """,
        runtime=Runtime(),
    ),
)
