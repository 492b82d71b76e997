// Presentation mode (issue 14): larger text and a larger output plane for the back row of a
// lecture hall. Switched by the top bar's button, the key p, or ?present=1 in the URL.

export class PresentMode {
  /** `button`: the top bar's toggle (aria-pressed shows the state). */
  constructor(button, onChange = () => {}) {
    this.button = button;
    this.onChange = onChange;
    button.addEventListener("click", () => this.toggle());
  }

  get on() {
    return document.body.classList.contains("present");
  }

  set(on) {
    document.body.classList.toggle("present", on);
    this.button.setAttribute("aria-pressed", String(on));
  }

  toggle() {
    this.set(!this.on);
    this.onChange();
  }
}
