"""pt-lsp: finds PyTorch autograd and device mistakes, fixes them, and proves each rule."""

__version__ = "0.1.0"
