-- Lua filter of the report, for both renderers: the built-in one (pandoc from
-- pypandoc-binary, --lua-filter) and Quarto (the revision's _quarto.yml), so
-- that both make the same document.
--
-- 1. Figures must be files inside the report folder: a remote URL, an
--    absolute path or a path with ".." stops the render, so that pandoc's
--    --embed-resources never reaches the network or reads outside the run.
--    Raw HTML must not reference remote resources either. Under Quarto, a
--    figure's description also becomes its alt text (fig-alt), as pandoc
--    does by itself.
-- 2. Table cells of right-aligned columns (pipe tables with "---:") get the
--    class "num" (tabular figures, right-aligned) in the HTML; column widths
--    follow the content instead of the separator line's dashes.
-- 3. The document is cut into sections here (pandoc.structure.make_sections,
--    as --section-divs does); the section with class "exec-summary" ends with
--    an empty anchor <div id="exec-summary-end">: render_pdf warns when it is
--    not on page 1.
-- 4. With a table of contents (--toc, or toc: true under Quarto), it is
--    placed right after the executive summary (two levels below the
--    document's top heading level, "#" or "##"), so that page 1 (PDF) and the
--    first screen (HTML) show the summary; at the start when there is no
--    summary. The template (report.html5) then skips its own.

local function is_local(src)
  if src:match("^data:") then
    return true
  end
  if src:match("^%a[%w+.-]*:") or src:match("^[/\\]") then
    return false
  end
  for segment in src:gmatch("[^/\\]+") do
    if segment == ".." then
      return false
    end
  end
  return true
end

function Image(img)
  if not is_local(img.src) then
    error("report: a figure must be a file inside the report folder, got: " .. img.src)
  end
  if quarto ~= nil and img.attributes["fig-alt"] == nil and #img.caption > 0 then
    img.attributes["fig-alt"] = pandoc.utils.stringify(img.caption)
    return img
  end
end

local function check_raw(raw)
  local text = raw.text
  if raw.format:match("html") and (text:match("%a+://") or text:match("[\"'=(]%s*//")) then
    error("report: raw HTML must not reference remote resources: " .. text:sub(1, 80))
  end
end

RawInline = check_raw
RawBlock = check_raw

local function mark_rows(rows, colspecs)
  for _, row in ipairs(rows) do
    for col, cell in ipairs(row.cells) do
      local spec = colspecs[col]
      local align = cell.alignment
      if align == "AlignDefault" and spec then
        align = spec[1]
      end
      if align == "AlignRight" then
        cell.attr.classes:insert("num")
      end
    end
  end
end

function Table(tbl)
  -- Column widths from the content, not from the length of the dashes in
  -- the pipe table's separator line (pandoc's relative widths).
  local specs = pandoc.List()
  for _, spec in ipairs(tbl.colspecs) do
    specs:insert({ spec[1], pandoc.ColWidthDefault })
  end
  tbl.colspecs = specs
  mark_rows(tbl.head.rows, tbl.colspecs)
  for _, body in ipairs(tbl.bodies) do
    mark_rows(body.head, tbl.colspecs)
    mark_rows(body.body, tbl.colspecs)
  end
  mark_rows(tbl.foot.rows, tbl.colspecs)
  return tbl
end

local function escape_html(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function top_level(blocks)
  local level = 6
  for _, block in ipairs(blocks) do
    if block.t == "Header" and block.level < level then
      level = block.level
    end
  end
  return level
end

local function toc_nav(doc)
  -- Two levels of the document's own structure, whether its sections are
  -- "#" or "##" (Quarto style, under the title).
  local depth = PANDOC_WRITER_OPTIONS.toc_depth + top_level(doc.blocks) - 1
  local toc = pandoc.structure.table_of_contents(doc.blocks, { toc_depth = depth })
  local title = pandoc.utils.stringify(doc.meta["toc-title"] or "Содержание")
  return {
    pandoc.RawBlock("html", '<nav id="TOC" role="doc-toc">'),
    pandoc.RawBlock("html", '<h2 id="toc-title">' .. escape_html(title) .. "</h2>"),
    toc,
    pandoc.RawBlock("html", "</nav>"),
  }
end

-- Find the exec-summary section (at any depth); end it with the anchor and
-- put `after` right behind it. Returns true when found.
local function mark_summary(blocks, after)
  for index, block in ipairs(blocks) do
    if block.t == "Div" then
      if block.classes:includes("exec-summary") then
        block.content:insert(pandoc.Div({}, { id = "exec-summary-end" }))
        for offset, item in ipairs(after) do
          blocks:insert(index + offset, item)
        end
        return true
      end
      if mark_summary(block.content, after) then
        return true
      end
    end
  end
  return false
end

-- Quarto keeps an empty hidden Div at the end of the document for its own
-- use (and removes it afterwards from the top level only): it stays there.
local function split_trailing_hidden(blocks)
  local trailing = pandoc.List()
  while #blocks > 0 and blocks[#blocks].t == "Div" and blocks[#blocks].classes:includes("hidden") do
    trailing:insert(1, blocks:remove(#blocks))
  end
  return trailing
end

function Pandoc(doc)
  local nav = {}
  if PANDOC_WRITER_OPTIONS.table_of_contents then
    nav = toc_nav(doc)
  end
  local trailing = split_trailing_hidden(doc.blocks)
  local blocks = pandoc.List(pandoc.structure.make_sections(doc.blocks, {}))
  if not mark_summary(blocks, nav) then
    for offset, item in ipairs(nav) do
      blocks:insert(offset, item)
    end
  end
  doc.blocks = blocks .. trailing
  doc.meta["toc-placed"] = #nav > 0
  return doc
end
