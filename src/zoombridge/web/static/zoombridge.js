// zoombridge's only script: confirmations before destructive actions, and filters that apply
// when chosen. Served from /static so the Content-Security-Policy can forbid inline script
// (no onsubmit/onclick attributes in the templates).
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  // A button may carry its own question (e.g. "Delete" beside "Save" in one form).
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("select[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

// Times on lists are sent in UTC; shown here in the reader's own zone, which is named.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const format = new Intl.DateTimeFormat("en-CA", {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone,
  });
  for (const element of document.querySelectorAll("time[data-viewer-zone]")) {
    const moment = new Date(element.dateTime);
    if (Number.isNaN(moment.getTime())) continue;
    const part = Object.fromEntries(format.formatToParts(moment).map((p) => [p.type, p.value]));
    element.title = element.textContent;
    element.textContent = `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${zone}`;
  }
})();
