-- pt-lsp for Neovim without vim.lsp.enable (0.7 to 0.10) and without nvim-lspconfig.
-- Source it from init.lua (e.g. copy to ~/.config/nvim/lua/pt_lsp_start.lua and
-- `require('pt_lsp_start')`). Uses vim.lsp.start on 0.8+, vim.lsp.start_client on 0.7.
local cmd = { 'python3', '-m', 'pt_lsp', 'server' } -- or your venv's python
local root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', '.git' }

local function root_dir(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local dir = path ~= '' and vim.fn.fnamemodify(path, ':p:h') or vim.fn.getcwd()
  for _, marker in ipairs(root_markers) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found == '' then
      found = vim.fn.finddir(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h'):gsub('/%.git/?$', '')
    end
  end
  return dir
end

local client_ids = {} -- one client per root directory (for vim.lsp.start_client)

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'python',
  callback = function(args)
    local config = {
      name = 'pt_lsp',
      cmd = cmd,
      root_dir = root_dir(args.buf),
      settings = { ['pt-lsp'] = {} },
    }
    if vim.lsp.start then
      vim.lsp.start(config, { bufnr = args.buf })
      return
    end
    local id = client_ids[config.root_dir]
    if not id or not vim.lsp.get_client_by_id(id) then
      id = vim.lsp.start_client(config)
      client_ids[config.root_dir] = id
    end
    if id then
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
