-- Drives `throughline lsp` from Neovim's built-in client, as a user would:
-- open a spec, wait for its diagnostics, jump to a definition, ask for
-- completions. Writes what it saw as JSON to $TL_OUT. Works from Neovim 0.7.
local bin, root, file, out = os.getenv("TL_BIN"), os.getenv("TL_ROOT"), os.getenv("TL_FILE"), os.getenv("TL_OUT")
local seen = { diagnostics = {}, completion = {} }

local function finish()
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(seen))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.start_client({
    name = "throughline",
    cmd = { bin, "lsp", "--today", "2026-06-01" },
    root_dir = root,
  })
  vim.lsp.buf_attach_client(buf, client)

  -- Diagnostics, as `:lua vim.diagnostic.get()` lists them.
  vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(seen.diagnostics, { lnum = d.lnum, col = d.col, code = d.code, source = d.source, message = d.message })
  end

  -- Go to definition from `contributesTo: ns` (line 16), as `gd` would.
  vim.api.nvim_win_set_cursor(0, { 16, 16 })
  vim.lsp.buf.definition()
  vim.wait(5000, function() return vim.api.nvim_win_get_cursor(0)[1] ~= 16 end, 20)
  seen.after_definition = vim.api.nvim_win_get_cursor(0)

  -- Type a new initiative and ask what may follow `goals: [`.
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, last, last, false, { "---", "kind: Initiative", "id: i9", "name: I9", "goals: [" })
  local line = vim.api.nvim_buf_line_count(buf) - 1
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = 8 } }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/completion", params, 10000) or {}
  for _, r in pairs(responses) do
    local items = r.result and (r.result.items or r.result) or {}
    for _, item in ipairs(items) do
      table.insert(seen.completion, { label = item.label, detail = item.detail })
    end
  end
end)
if not ok then seen.error = tostring(err) end
finish()
