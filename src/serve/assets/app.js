// newsdb serve: small keyboard helpers. Every page works without this file.
"use strict";
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  // "/" jumps to the search box, as on many sites.
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const box = document.getElementById("q");
    if (box) {
      event.preventDefault();
      box.focus();
    }
  }
  // Ctrl+Enter (or Cmd+Enter) in the SQL box runs the query.
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) &&
      target instanceof HTMLTextAreaElement && target.form) {
    event.preventDefault();
    target.form.requestSubmit();
  }
});
