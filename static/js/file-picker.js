// A file picker that looks like a button: a visible label (styled as a button) opens a visually
// hidden but still focusable <input type="file">. Used by the CSV upload and "Load model…".

/**
 * Build one: `id` for the input, `accept` its file types, `onFile(file)` called per choice.
 * Returns {label, text, input}: put `input` and `label` in the page, set `text`'s words.
 */
export function filePicker(id, accept, onFile) {
  const label = document.createElement("label");
  label.className = "text-button file-button";
  const text = document.createElement("span");
  const input = document.createElement("input");
  input.className = "sr-only";
  input.type = "file";
  input.id = id;
  input.accept = accept;
  label.htmlFor = id;
  label.append(text);
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    input.value = ""; // choosing the same file again must load it again
    if (file) onFile(file);
  });
  return { label, text, input };
}
