// A form that comes back with errors: bring the first field in error into view and focus it,
// so a phone user sees what to correct (the message sits under the field).
(function () {
  var first = document.querySelector("[aria-invalid=true], .field--error input, .field--error select, .field--error textarea");
  if (!first) { return; }
  if (first.scrollIntoView) { first.scrollIntoView({ block: "center" }); }
  if (first.focus) { try { first.focus({ preventScroll: true }); } catch (error) { first.focus(); } }
})();
