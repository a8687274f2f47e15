-- Drives Neovim's own LSP client (0.7 to 0.11+) against pt-lsp, the way a user would:
-- open a buggy file, wait for the diagnostics, open the code action menu on the flagged line,
-- pick the preferred fix, and wait until the server has re-checked the edited buffer.
-- Inputs and output go through environment variables; the result is written as JSON.
local out = os.getenv("PT_LSP_E2E_OUT")
local target = os.getenv("PT_LSP_E2E_FILE")
local python = os.getenv("PT_LSP_E2E_PYTHON")
local result = {}

local function finish(err)
  result.error = err
  result.lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local file = io.open(out, "w")
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qa!")
end

local function summary(bufnr)
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(items, { lnum = d.lnum, col = d.col, end_col = d.end_col, code = d.code, source = d.source, message = d.message })
  end
  return items
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(target))
  local bufnr = vim.api.nvim_get_current_buf()
  local config = {
    name = "pt-lsp",
    cmd = { python, "-m", "pt_lsp.lsp", "--stdio" },
    root_dir = vim.fn.fnamemodify(target, ":h"),
  }
  local client_id
  if vim.fn.has("nvim-0.10") == 1 then
    client_id = vim.lsp.start(config, { bufnr = bufnr })  -- starts and attaches
  else
    client_id = vim.lsp.start_client(config)
    assert(client_id, "the LSP client did not start")
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
  assert(client_id, "the LSP client did not start")
  assert(vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 20), "no diagnostics arrived")
  result.before = summary(bufnr)
  result.encoding = vim.lsp.get_client_by_id(client_id).offset_encoding
  result.version = { vim.version().major, vim.version().minor }

  -- The code action menu on the flagged line; the "user" picks the preferred fix.
  local first = vim.diagnostic.get(bufnr)[1]
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
  vim.ui.select = function(items, _, on_choice)
    result.offered = {}
    local chosen = nil
    for index, item in ipairs(items) do
      local action = item.action or item[2]  -- 0.10+: {action=, ctx=}; before: {client_id, action}
      table.insert(result.offered, action.title)
      if action.isPreferred and chosen == nil then chosen = index end
    end
    on_choice(chosen and items[chosen] or nil, chosen)
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.buf.code_action()
  assert(vim.wait(15000, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end, 20), "no fix was applied")

  -- Neovim sends the edit to the server (incremental sync); its new diagnostics are empty.
  assert(vim.wait(30000, function() return #vim.diagnostic.get(bufnr) == 0 end, 20), "the diagnostic did not go away")
  result.after = summary(bufnr)
  vim.lsp.stop_client(client_id)
  result.stopped = vim.wait(10000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
end)
finish((not ok) and tostring(err) or vim.NIL)
