/*
 * Progressive enhancement for Amtsweg. Everything works without this file.
 *
 * Place autocomplete: turns [data-combobox] inputs into an ARIA 1.2 combobox
 * (list autocomplete). htmx fetches the options from /orte/vorschlaege/ into the
 * listbox; this script handles opening/closing, arrow keys, Enter, Escape and
 * announces the number of suggestions via a status region.
 */
(function () {
  "use strict";

  function initCombobox(root) {
    var input = root.querySelector("input");
    var listbox = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-combobox-status]");
    if (!input || !listbox || input.getAttribute("data-combobox-ready")) {
      return;
    }
    input.setAttribute("data-combobox-ready", "1");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    var active = -1;

    function options() {
      return Array.prototype.slice.call(listbox.querySelectorAll("[role=option]"));
    }

    function announce(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      options().forEach(function (opt) {
        opt.setAttribute("aria-selected", "false");
      });
    }

    function open() {
      if (options().length > 0) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function highlight(index) {
      var opts = options();
      if (opts.length === 0) {
        return;
      }
      active = (index + opts.length) % opts.length;
      opts.forEach(function (opt, i) {
        opt.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }

    function choose(opt) {
      input.value = opt.getAttribute("data-value");
      close();
      announce(input.value + " ausgewählt");
    }

    // htmx swapped in new options: reset state and tell screen reader users how many there are.
    root.addEventListener("htmx:afterSettle", function () {
      var count = options().length;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (count > 0 && document.activeElement === input) {
        open();
        announce(
          (count === 1 ? "1 Vorschlag" : count + " Vorschläge") +
            " verfügbar. Mit Pfeiltasten auswählen, mit Eingabetaste übernehmen."
        );
      } else {
        close();
        if (input.value.trim().length >= 2) {
          announce("Keine Vorschläge.");
        }
      }
    });

    input.addEventListener("keydown", function (event) {
      var isOpen = !listbox.hidden;
      switch (event.key) {
        case "ArrowDown":
          if (options().length === 0) {
            return;
          }
          event.preventDefault();
          open();
          highlight(active + 1);
          break;
        case "ArrowUp":
          if (!isOpen) {
            return;
          }
          event.preventDefault();
          highlight(active - 1);
          break;
        case "Enter":
          // With an option highlighted, Enter takes it; otherwise the form submits as usual.
          if (isOpen && active >= 0) {
            event.preventDefault();
            choose(options()[active]);
          }
          break;
        case "Escape":
          if (isOpen) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    // Keep focus in the input when an option is clicked, then take the option.
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    listbox.addEventListener("click", function (event) {
      var opt = event.target.closest("[role=option]");
      if (opt) {
        choose(opt);
        input.focus();
      }
    });

    root.addEventListener("focusout", function (event) {
      if (!root.contains(event.relatedTarget)) {
        close();
      }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-combobox]"), initCombobox);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
