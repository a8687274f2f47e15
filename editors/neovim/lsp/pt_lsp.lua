-- pt-lsp for Neovim >= 0.11.
-- Put this file on your runtimepath as lsp/pt_lsp.lua (e.g. ~/.config/nvim/lsp/pt_lsp.lua),
-- then in init.lua:  vim.lsp.enable('pt_lsp')
--
-- The server runs in your project's Python, so that it sees your torch: an active virtualenv
-- ($VIRTUAL_ENV) wins, then a `pt-lsp` executable on PATH, then `python3 -m pt_lsp`.
local function server_cmd()
  local venv = vim.env.VIRTUAL_ENV
  if venv and venv ~= '' then
    return { venv .. '/bin/python', '-m', 'pt_lsp', 'server' }
  end
  if vim.fn.executable('pt-lsp') == 1 then
    return { 'pt-lsp', 'server' }
  end
  return { 'python3', '-m', 'pt_lsp', 'server' }
end

---@type vim.lsp.Config
return {
  cmd = server_cmd(),
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', '.git' },
  -- Editor settings override the project's [tool.pt-lsp] key by key, e.g.
  -- { select = { 'PTL2', 'PTL401' }, ignore = { 'PTL102' }, severity = { PTL1 = 'hint' }, unsafeFixes = false }
  settings = { ['pt-lsp'] = {} },
}
