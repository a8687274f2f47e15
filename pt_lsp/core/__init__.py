"""The analysis core. Standard library only: the CLI and the language server both build on it."""
