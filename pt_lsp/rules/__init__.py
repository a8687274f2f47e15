"""One module per rule family. Importing ``pt_lsp.core.rule.all_rules`` loads them all."""
