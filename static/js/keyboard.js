// Keyboard shortcuts: space plays or pauses, → steps one epoch (shift: ten), r resets,
// p switches presentation mode.
// They stay out of the way while the user types into a field or presses a button.

export function bindKeys(actions) {
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const el = ev.target;
    const typing = el.closest?.("input, select, textarea, [contenteditable]");
    if (typing) return;
    if (ev.key === " " || ev.key === "Spacebar") {
      if (el.closest?.("button, a, [role=button]")) return; // space already activates the focused control
      ev.preventDefault();
      actions.togglePlay();
    } else if (ev.key === "ArrowRight") {
      ev.preventDefault();
      actions.step(ev.shiftKey ? 10 : 1);
    } else if (ev.key === "r" || ev.key === "R") {
      actions.reset();
    } else if ((ev.key === "p" || ev.key === "P") && actions.present) {
      actions.present();
    }
  });
}
