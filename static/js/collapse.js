// Collapsible panels (issue 14): a [data-collapse="id"] button folds the panel with that id to a
// narrow strip and back, so a small projector gives its width to the network and the output.
// The choice is remembered per panel.

const KEY = "nnp.collapsed.";

export function bindCollapse(root = document, onChange = () => {}) {
  for (const button of root.querySelectorAll("[data-collapse]")) {
    const panel = document.getElementById(button.dataset.collapse);
    if (!panel) continue;
    const set = (collapsed) => {
      panel.classList.toggle("collapsed", collapsed);
      button.setAttribute("aria-expanded", String(!collapsed));
      try { localStorage.setItem(KEY + panel.id, collapsed ? "1" : ""); } catch { /* not remembered */ }
    };
    let saved = false;
    try { saved = localStorage.getItem(KEY + panel.id) === "1"; } catch { /* storage disabled */ }
    set(saved);
    button.addEventListener("click", () => { set(!panel.classList.contains("collapsed")); onChange(); });
  }
}
