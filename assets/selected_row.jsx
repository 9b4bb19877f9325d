// Marks the selected row of a table (aria-selected, which the row tint in commons.css and
// the keyboard's "back to the selected row" read) without rendering the table again: the
// rows do not read the selection, so opening or closing a details pane redraws the pane
// only. `rows` is the table's list: when a new page replaces the rows, the mark follows.
import { useEffect } from "react";

export function SelectedRow({ table, chosen, rows }) {
  useEffect(() => {
    const body = document.getElementById(table);
    if (!body) return;
    const want = chosen === undefined || chosen === null ? "" : String(chosen);
    for (const row of body.querySelectorAll("tr[data-row]")) {
      const mark = want !== "" && row.dataset.row === want ? "true" : "false";
      if (row.getAttribute("aria-selected") !== mark) row.setAttribute("aria-selected", mark);
    }
  }, [table, chosen, rows]);
  return null;
}
