"""`pt-lsp verify`: runs every rule's examples under the installed torch.

This is the only package of pt_lsp that imports torch, and only inside the functions that need
it, so that ``pt_lsp.runtime.command`` can tell a user without torch how to install it.
"""
