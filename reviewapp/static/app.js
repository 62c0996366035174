// reviewapp: the little script the pages need, kept out of the HTML so that the
// Content-Security-Policy can forbid inline scripts and event handlers.
(function () {
  "use strict";

  // <form data-confirm="question">: ask before submitting (e.g. deleting a document).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // A card marked data-swap-errors (the score card) answers a refused post with itself,
  // showing why: 400 (field errors) or 409 (stale form, finalized round). htmx swaps no 4xx
  // by default; let these in when the answer is that card, and nothing else changes.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var status = detail.xhr ? detail.xhr.status : 0;
    if (status !== 400 && status !== 409) return;
    var target = detail.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-swap-errors")) return;
    if (String(detail.serverResponse || "").indexOf("data-swap-errors") === -1) return;
    detail.shouldSwap = true;
    detail.isError = false;
  });

  // <mark data-scroll-into-view>: the passage a link pointed to is centred on load.
  function scrollToMarked() {
    var target = document.querySelector("[data-scroll-into-view]");
    if (target) target.scrollIntoView({ block: "center" });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scrollToMarked);
  } else {
    scrollToMarked();
  }
})();
