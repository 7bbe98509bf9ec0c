/*
 * Progressive enhancement for the application assistant (amtsweg.assistant). Everything works
 * without this file: the server renders every state and all buttons are plain submit buttons.
 *
 * - Moves focus to the error summary when a page shows errors (WCAG 3.3.1), otherwise to an
 *   element the server marked with data-aw-focus (e.g. a newly added row).
 * - Does the same after htmx re-rendered the step (row added/removed, fields shown/hidden).
 * - Error summary links focus their field instead of only scrolling to it.
 */
(function () {
  "use strict";

  function focusTarget(root) {
    var summary = root.querySelector("[data-aw-error-summary]");
    var target = summary || root.querySelector("[data-aw-focus]");
    if (!target) {
      return;
    }
    if (!target.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    if (target.scrollIntoView) {
      target.scrollIntoView({ block: "start" });
    }
  }

  function onSummaryClick(event) {
    var link = event.target.closest("[data-aw-error-summary] a[href^='#'], [data-aw-revealed] a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    // Show the question with its label, not just the input.
    var container = field.closest("fieldset, .kern-form-input") || field;
    container.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  }

  function init() {
    var root = document.getElementById("inhalt") || document.body;
    focusTarget(root);
    document.addEventListener("click", onSummaryClick);
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var swapped = event.detail && event.detail.elt;
      if (swapped && swapped.id === "schritt") {
        focusTarget(swapped);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
