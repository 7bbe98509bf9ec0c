/* Accessibility fixes for Swagger UI (API docs) that CSS cannot make: Swagger UI renders these elements
   itself, so a MutationObserver labels them as they appear. Same-origin file: the strict CSP holds. */
"use strict";
(function () {
  function fix(root) {
    // Scrollable code examples must be reachable by keyboard (WCAG 2.1.1).
    root.querySelectorAll("pre.microlight:not([tabindex]), .highlight-code pre:not([tabindex])").forEach(function (pre) {
      pre.setAttribute("tabindex", "0");
    });
    // The example selector has no label of its own.
    root.querySelectorAll("select.examples-select-element:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", "Beispiel auswählen");
    });
    // Expand/collapse toggles of nested schemas show only an arrow.
    root.querySelectorAll("button:not([aria-label]):not([aria-labelledby]):not([title])").forEach(function (button) {
      if (!button.textContent.trim()) button.setAttribute("aria-label", "Details ein- oder ausklappen");
    });
    root.querySelectorAll("select:not([aria-label]):not([aria-labelledby]):not([id])").forEach(function (select) {
      if (!select.closest("label")) select.setAttribute("aria-label", "Auswahl");
    });
  }
  var container = document.getElementById("swagger-ui");
  if (!container) return;
  new MutationObserver(function () { fix(container); }).observe(container, { childList: true, subtree: true });
  fix(container);
})();
