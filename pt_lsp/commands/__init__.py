"""The `pt-lsp` subcommands that live in this package: `check` and `rule`."""
