// What a lesson's `watch` list opens on the page besides highlighting (issue 13): "batch_loss"
// turns on the loss chart's mini-batch curve, "backprop" opens the backprop inspector on the
// lesson's worked example once the session has applied the lesson.

export class LessonViews {
  /** batchToggle: the mini-batch checkbox; inspector: the BackpropInspector. */
  constructor({ batchToggle, inspector }) {
    this.batchToggle = batchToggle;
    this.inspector = inspector;
    this.lesson = null;
  }

  /** A lesson was chosen (before the server applied it). */
  chosen(lesson) {
    this.lesson = lesson;
    const watch = lesson.watch || [];
    const example = watch.includes("backprop");
    this.inspector.setExample(example);
    if (watch.includes("batch_loss") && !this.batchToggle.checked) {
      this.batchToggle.checked = true;
      this.batchToggle.dispatchEvent(new Event("change")); // the chart and the URL follow
    }
  }

  /** The server's `lesson` reply for side A: the lesson's session is ready for a walk. */
  applied(msg) {
    if (msg.side !== "left" || msg.id !== this.lesson?.id) return;
    if ((this.lesson.watch || []).includes("backprop")) this.inspector.open({ example: true });
  }
}
