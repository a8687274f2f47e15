"""PTL101 torch-autograd-variable: name resolution, where it reports, and each kind of fix."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines, source

from pt_lsp.core.findings import Applicability

CODE = "PTL101"


# -- which `Variable` is torch's ------------------------------------------------------------------
def test_alias_of_torch_and_of_variable_both_resolve():
    assert lines(
        CODE,
        """
        import torch as T
        from torch.autograd import Variable as V
        a = T.autograd.Variable(T.ones(2))
        b = V(T.ones(2))
    """,
    ) == [2, 3, 4]


def test_star_import_of_torch_autograd_brings_variable_but_torch_star_does_not():
    assert lines(CODE, "from torch.autograd import *\nx = Variable(t)\n") == [2]
    assert lines(CODE, "from torch import *\nx = Variable(t)\n") == []


def test_import_from_the_variable_module_is_reported():
    assert lines(CODE, "from torch.autograd.variable import Variable\nx = Variable(t)\n") == [1, 2]


def test_shadowed_by_a_parameter_or_an_assignment_stays_silent_at_the_call():
    assert lines(
        CODE,
        """
        from torch.autograd import Variable
        def build(Variable):
            return Variable(3)
        def other():
            Variable = dict
            return Variable(a=1)
    """,
    ) == [1]


def test_tensorflow_and_own_variables_are_silent():
    assert (
        lines(
            CODE,
            """
        import tensorflow as tf
        from tensorflow import Variable
        class Var:
            pass
        w = Variable(tf.zeros([2]))
        v = tf.Variable(1.0)
    """,
        )
        == []
    )


def test_a_file_without_the_word_is_skipped():
    assert findings(CODE, "import torch\nx = torch.ones(2)\n") == []


# -- fixes for a call -------------------------------------------------------------------------------
def test_unwrap_keeps_precedence_with_parentheses():
    assert fixed(
        CODE,
        """
        import torch
        x = torch.autograd.Variable(a + b).sum()
        y = torch.autograd.Variable(a + b)
    """,
    ) == source("""
        import torch
        x = (a + b).sum()
        y = a + b
    """)


def test_a_tensor_that_requires_grad_becomes_detach_as_variable_did():
    assert (
        fixed(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        y = w * 2
        z = torch.autograd.Variable(y)
    """,
        ).splitlines()[-1]
        == "z = y.detach()"
    )


def test_requires_grad_goes_into_the_factory_call():
    assert fixed(
        CODE,
        """
        import torch
        a = torch.autograd.Variable(torch.zeros(2, 3,), requires_grad=True)
        b = torch.autograd.Variable(torch.empty(()), requires_grad=True)
    """,
    ) == source("""
        import torch
        a = torch.zeros(2, 3, requires_grad=True)
        b = torch.empty((), requires_grad=True)
    """)


def test_legacy_constructor_from_integers_keeps_its_float_dtype():
    assert fixed(
        CODE,
        """
        import torch as T
        a = T.autograd.Variable(T.Tensor([[1, 2], [3, 4]]), requires_grad=True)
        b = T.autograd.Variable(T.DoubleTensor([1.0, -2.5]), requires_grad=True)
        c = T.autograd.Variable(T.FloatTensor([0.5]), requires_grad=True)
    """,
    ) == source("""
        import torch as T
        a = T.tensor([[1, 2], [3, 4]], dtype=T.float32, requires_grad=True)
        b = T.tensor([1.0, -2.5], dtype=T.float64, requires_grad=True)
        c = T.tensor([0.5], requires_grad=True)
    """)


def test_requires_grad_on_an_existing_tensor_is_unsafe_and_on_a_fresh_one_safe():
    existing, fresh, flag = findings(
        CODE,
        """
        import torch
        a = torch.autograd.Variable(weights, requires_grad=True)
        b = torch.autograd.Variable(torch.from_numpy(arr).float(), requires_grad=True)
        c = torch.autograd.Variable(weights, requires_grad=trainable)
    """,
    )
    assert existing.fix.applicability is Applicability.UNSAFE
    assert existing.fix.edits[0].content == "weights.requires_grad_()"
    assert fresh.fix.applicability is Applicability.SAFE
    assert fresh.fix.edits[0].content == "torch.from_numpy(arr).float().requires_grad_()"
    assert flag.fix.applicability is Applicability.UNSAFE
    assert flag.fix.edits[0].content == "weights.requires_grad_(trainable)"


def test_volatile_suggests_no_grad_for_the_rest_of_the_block_display_only():
    text = """
        import torch
        def evaluate(model, images):
            model.eval()
            x = torch.autograd.Variable(images, volatile=True)
            out = model(x)
            return out.argmax(1)
    """
    (finding,) = findings(CODE, text)
    assert "volatile" in finding.message
    preferred, unwrap = finding.fixes
    assert preferred.applicability is Applicability.DISPLAY_ONLY
    assert preferred.edits[0].content == (
        "    with torch.no_grad():\n        x = images\n        out = model(x)\n        return out.argmax(1)"
    )
    assert unwrap.applicability is Applicability.SAFE
    assert fixed(CODE, text) == source(text)  # nothing is applied automatically


def test_self_assignments_left_by_the_unwrap_are_deleted():
    assert fixed(
        CODE,
        """
        import torch
        from torch.autograd import Variable
        def step(x, y, z):
            x, y = Variable(x), Variable(y)
            z = Variable(z)
            if x:
                z = Variable(z)
            return x, y, z
    """,
    ) == source("""
        import torch
        def step(x, y, z):
            if x:
                pass
            return x, y, z
    """)


def test_variable_with_other_arguments_is_reported_without_fix():
    (finding,) = findings(CODE, "import torch\nv = torch.autograd.Variable(*tensors)\n")
    assert finding.fixes == ()


# -- the import -----------------------------------------------------------------------------------
def test_import_is_removed_only_after_the_last_use_is_gone():
    text = """
        from torch.autograd import Variable
        x = Variable(t)
    """
    import_finding = findings(CODE, text)[0]
    assert import_finding.line == 1 and import_finding.fixes == ()
    assert fixed(CODE, text) == "x = t\n"


def test_name_is_removed_from_a_multi_name_and_a_parenthesised_import():
    assert fixed(
        CODE,
        """
        from torch.autograd import grad, Variable
        from torch.autograd import (
            Variable,
            Function,
        )
        y = grad
    """,
    ) == source("""
        from torch.autograd import grad
        from torch.autograd import (
            Function,
        )
        y = grad
    """)


def test_only_statement_of_a_block_becomes_pass():
    assert fixed(
        CODE,
        """
        try:
            from torch.autograd import Variable
        except ImportError:
            pass
    """,
    ) == source("""
        try:
            pass
        except ImportError:
            pass
    """)


def test_other_uses_and_reexports_keep_the_import():
    still_used, exported = (
        findings(CODE, t)[0]
        for t in (
            "from torch.autograd import Variable\nok = isinstance(x, Variable)\n",
            "from torch.autograd import Variable\n__all__ = ['Variable']\n",
        )
    )
    assert still_used.fixes == () and exported.fixes == ()


def test_variable_really_detaches_under_the_installed_torch():
    """Grounds the doc and the `t.detach()` fix: Variable(t) is t.detach()."""
    import torch
    from torch.autograd import Variable

    w = torch.ones(2, requires_grad=True)
    y = w * 2
    wrapped = Variable(y)
    assert wrapped.requires_grad is False and wrapped.grad_fn is None
    assert wrapped.data_ptr() == y.data_ptr()
    leaf = Variable(y, requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad and not y.is_leaf


def test_import_used_only_for_the_engine_handle_is_not_flagged():
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.selection import Selection

    source = (
        "from torch.autograd import Variable\n"
        "def run(tensors, grads):\n"
        "    return Variable._execution_engine.run_backward(tensors, grads)\n"
    )
    assert lint_source(source, selection=Selection.of(["PTL101"])).findings == []
    used = source + "x = Variable(t)\n"
    assert [f.line for f in lint_source(used, selection=Selection.of(["PTL101"])).findings] == [1, 4]
