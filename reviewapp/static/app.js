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
