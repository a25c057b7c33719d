/* Files pmbot uploaded, opened from their message as Slack previews them: a CSV as a table, Markdown as text. */
(function () {
  "use strict";
  const PM = window.PM;
  const h = PM.h;

  // RFC 4180: fields split by commas, quoted where they hold a comma, a quote (doubled) or a line break.
  PM.parseCsv = function (text) {
    const rows = [];
    let row = [], field = "", quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
        else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { row.push(field); field = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(field); rows.push(row); row = []; field = "";
      } else field += c;
    }
    if (field || row.length) { row.push(field); rows.push(row); }
    return rows;
  };

  function table(rows) {
    const [head, ...body] = rows.length ? rows : [[]];
    return h("table", { class: "file-table" },
      h("thead", {}, h("tr", {}, head.map((cell) => h("th", { text: cell })))),
      h("tbody", {}, body.map((row) => h("tr", {}, row.map((cell) => h("td", { text: cell }))))));
  }

  function close() {
    document.getElementById("file-layer").replaceChildren();
  }

  // Shown as text or table cells only (never as HTML): a file holds what people typed.
  PM.openFile = async function (file) {
    const answer = await fetch(`/api/file/${encodeURIComponent(file.id)}`);
    const text = answer.ok ? await answer.text() : `This file could not be opened (${answer.status}).`;
    const csv = answer.ok && (file.name || "").toLowerCase().endsWith(".csv");
    const dialog = h("div", { class: "dialog file-viewer", role: "dialog", "data-file": file.id },
      h("div", { class: "dialog-head" },
        h("span", { class: "dialog-title file-name", text: file.title || file.name }),
        h("button", { type: "button", id: "file-close", class: "icon-btn close-x", title: "Close", text: "✕", onclick: close })),
      h("div", { class: "dialog-body" }, csv ? table(PM.parseCsv(text)) : h("pre", { class: "file-text", text })));
    const overlay = h("div", { class: "overlay" }, dialog);
    overlay.onclick = (event) => { if (event.target === overlay) close(); };
    document.getElementById("file-layer").replaceChildren(overlay);
  };
})();
