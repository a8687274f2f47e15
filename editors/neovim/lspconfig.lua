-- pt-lsp for users of nvim-lspconfig's setup() framework (Neovim 0.8 to 0.10, or later with an
-- older nvim-lspconfig). pt-lsp is not in lspconfig's registry, so register it first.
-- On Neovim >= 0.11 prefer lsp/pt_lsp.lua with vim.lsp.enable('pt_lsp').
local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

if not configs.pt_lsp then
  configs.pt_lsp = {
    default_config = {
      cmd = { 'python3', '-m', 'pt_lsp', 'server' }, -- or { '/path/to/.venv/bin/python', '-m', 'pt_lsp', 'server' }
      filetypes = { 'python' },
      root_dir = util.root_pattern('pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', '.git'),
      single_file_support = true,
      settings = { ['pt-lsp'] = {} },
    },
  }
end

require('lspconfig').pt_lsp.setup({
  -- settings = { ['pt-lsp'] = { ignore = { 'PTL102' } } },
})
