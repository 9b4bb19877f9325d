// Renders its children only while the media query matches. Unlike a CSS display rule,
// the other layout (a table's phone cards, say) is not built at all, so a page of rows
// costs one layout's rendering, not two.
import { useSyncExternalStore } from "react";

export function MediaOnly({ query, children }) {
  const matches = useSyncExternalStore(
    (changed) => {
      const list = window.matchMedia(query);
      list.addEventListener("change", changed);
      return () => list.removeEventListener("change", changed);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
  return matches ? children : null;
}
