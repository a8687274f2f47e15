"""Output formats of `pt-lsp check`: text, json, sarif, github, statistics, diff.

Formatting lives here and nowhere else: findings never format themselves.
"""
