// The output plane takes the height left under it (issue 14, projectors). The stylesheet sizes it
// from the window's height minus what usually lies above it; but a row more above it — the dead
// units, per-class accuracy, a failure note, a banner — pushed a fixed-size plane below the fold
// of a 1280×720 projector. This measures where the plane starts and tells the stylesheet the room
// below it (--plot-room); the CSS still decides the plane's floor and ceiling.

const BELOW = 16; // px under the plane for its axis numbers (the ticks hang 15 px below it)

/**
 * Keep `plot`'s --plot-room equal to the window's height minus the plane's top (in page
 * coordinates, so scrolling changes nothing) minus its axis numbers. Re-measured whenever the
 * window or anything in the page above or around the plane changes size.
 */
export function fitPlot(plot) {
  let last = "";
  const update = () => {
    const top = plot.getBoundingClientRect().top + window.scrollY;
    const room = `${Math.max(0, Math.floor(window.innerHeight - top - BELOW))}px`;
    if (room === last) return; // the plane's own size does not move its top: one pass settles it
    last = room;
    plot.style.setProperty("--plot-room", room);
  };
  const observer = new ResizeObserver(update);
  observer.observe(document.body);
  observer.observe(plot.parentElement);
  window.addEventListener("resize", update);
  update();
  return update;
}
