"""The language server: the only package that imports pygls and lsprotocol.

Thin handlers over ``pt_lsp.core``; ``pt_lsp.lsp.command.main`` is ``pt-lsp server``.
"""
