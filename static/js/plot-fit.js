// The output plane takes the height left under it (issue 14, projectors). The stylesheet sizes it
// from the window's height minus what usually lies above it; but a row more above it — the dead
// units, per-class accuracy, a failure note, a banner — pushed a fixed-size plane below the fold
// of a 1280×720 projector. This measures where the plane starts and tells the stylesheet the room
// below it (--plot-room); the CSS still decides the plane's floor and ceiling.
//
// When even the plane's floor does not fit, the failure notes above it give way: three notes
// took 240 px at 1280×720 and pushed the plane 180 px past the bottom. They keep the height that
// leaves the plane its floor (never less than about two lines) and scroll within it.

const BELOW = 16;      // px under the plane for its axis numbers (the ticks hang 15 px below it)
const MIN_NOTES = 44;  // px, the least the notes shrink to: about two lines of the first note

/**
 * Keep `plot`'s --plot-room equal to the window's height minus the plane's top (in page
 * coordinates, so scrolling changes nothing) minus its axis numbers; when the plane still runs
 * past the bottom, cap the height of `notes` (the failure notes above it) by that much.
 * Re-measured whenever the window or anything in the page above or around the plane changes size.
 */
export function fitPlot(plot, notes = null) {
  const room = () => Math.max(0, Math.floor(window.innerHeight - (plot.getBoundingClientRect().top + window.scrollY) - BELOW));
  const setRoom = (px) => plot.style.setProperty("--plot-room", `${px}px`);
  const update = () => {
    if (notes) notes.style.maxHeight = "";
    let px = room();
    setRoom(px);
    const over = plot.getBoundingClientRect().height - px; // > 0: the plane's floor is taller than the room
    if (notes && !notes.hidden && over > 0.5) {
      notes.style.maxHeight = `${Math.max(MIN_NOTES, Math.floor(notes.clientHeight - over))}px`;
      px = room();
      setRoom(px);
    }
    // Scrolled notes can be reached from the keyboard too.
    if (notes) {
      const clipped = notes.scrollHeight > notes.clientHeight + 1;
      notes.classList.toggle("clipped", clipped);
      if (clipped) notes.tabIndex = 0;
      else notes.removeAttribute("tabindex");
    }
  };
  const observer = new ResizeObserver(update);
  observer.observe(document.body);
  observer.observe(plot.parentElement);
  if (notes) new MutationObserver(update).observe(notes, { childList: true, attributes: true, attributeFilter: ["hidden"] });
  window.addEventListener("resize", update);
  update();
  return update;
}
