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
  // ---- the workbench (templates/indicators/page.html) and the preview pane (issue 17) ----

  var PAGE_SIZE = 10;

  function announce(text) {
    var live = document.getElementById("wb-announce");
    if (!live || !text) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 30);
  }

  function said(key, fallback) {
    var live = document.getElementById("wb-announce");
    return (live && live.getAttribute("data-" + key)) || fallback;
  }

  // the passages of a panel, in order: search hits, suggestions, linked evidence
  function passages(panel) {
    return Array.prototype.filter.call(
      panel.querySelectorAll(".hit, ol.links > li"),
      function (el) { return !el.closest("details.rejected"); }
    );
  }

  // ten at a time: the rest hidden behind a "more" button (client side; the suggestions
  // fragment asks the server for more instead, see indicators/_suggestions.html)
  function pageList(panel) {
    if (panel.hasAttribute("data-server-paged")) return;
    var items = passages(panel);
    var shown = Number(panel.getAttribute("data-shown") || PAGE_SIZE);
    items.forEach(function (el, i) { el.hidden = i >= shown; });
    Array.prototype.forEach.call(panel.querySelectorAll(".doc-hits"), function (group) {
      var hits = group.querySelectorAll(".hit");
      group.hidden = hits.length > 0 && Array.prototype.every.call(hits, function (h) { return h.hidden; });
    });
    var more = panel.querySelector("button.more[data-client]");
    if (items.length > shown) {
      if (!more) {
        more = document.createElement("button");
        more.type = "button";
        more.className = "more";
        more.setAttribute("data-client", "");
        panel.appendChild(more);
      }
      more.textContent = said("more", "More") + " (" + (items.length - shown) + ")";
    } else if (more) {
      more.remove();
    }
  }

  function pageAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-passages]"), pageList);
  }

  document.addEventListener("click", function (event) {
    var more = event.target.closest && event.target.closest("button.more[data-client]");
    if (more) {
      var panel = more.closest("[data-passages]");
      var before = passages(panel).filter(function (el) { return !el.hidden; }).length;
      panel.setAttribute("data-shown", String(Number(panel.getAttribute("data-shown") || PAGE_SIZE) + PAGE_SIZE));
      pageList(panel);
      var next = passages(panel)[before];
      if (next) focusPassage(panel, next);
    }
  });

  // tabs: one panel shown; the choice kept in the URL (?tab=) and across indicators
  function showTab(name, focus) {
    var tabs = document.querySelectorAll("[role=tab][data-tab]");
    if (!tabs.length) return;
    Array.prototype.forEach.call(tabs, function (tab) {
      var on = tab.getAttribute("data-tab") === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
      if (on && focus) tab.focus();
    });
    var bench = document.getElementById("workbench");
    if (bench) bench.setAttribute("data-tab", name);
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("tab", name);
      window.history.replaceState(window.history.state, "", url.toString());
    }
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab][data-tab]");
    if (tab) showTab(tab.getAttribute("data-tab"), false);
    var keep = event.target.closest && event.target.closest("a[data-keep-tab]");
    if (keep) {
      var bench = document.getElementById("workbench");
      var url = new URL(keep.href, window.location.href);
      if (bench) url.searchParams.set("tab", bench.getAttribute("data-tab") || "linked");
      var middle = document.getElementById("wb-middle");
      if (middle) window.sessionStorage.setItem("reviewapp.wbScroll", String(middle.scrollTop));
      keep.href = url.toString();
    }
    var close = event.target.closest && event.target.closest("[data-close-preview]");
    if (close) closePreview();
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab][data-tab]");
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
    var tabs = Array.prototype.slice.call(tab.parentNode.querySelectorAll("[role=tab]"));
    var i = tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1);
    var next = tabs[(i + tabs.length) % tabs.length];
    showTab(next.getAttribute("data-tab"), true);
    event.preventDefault();
  });

  // the preview pane: a column of the workbench, a drawer elsewhere (and below 1280 px)
  function openPreview() {
    var pane = document.getElementById("preview-pane");
    if (!pane) return;
    pane.hidden = false;
    pane.classList.add("open");
    document.body.classList.add("preview-open");
  }

  function closePreview() {
    var pane = document.getElementById("preview-pane");
    if (!pane) return;
    pane.classList.remove("open");
    document.body.classList.remove("preview-open");
    if (pane.classList.contains("drawer")) pane.hidden = true;
    var back = document.querySelector(".passage-current") || document.querySelector("[data-cite].cited");
    if (back && back.focus) back.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("preview-open")) closePreview();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var cite = event.detail.elt;
    if (!cite || !cite.hasAttribute || !cite.hasAttribute("data-cite")) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-cite].cited"), function (el) {
      el.classList.remove("cited");
    });
    cite.classList.add("cited");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "preview") {
      openPreview();
      var body = document.getElementById("preview-body");
      var title = body && body.querySelector(".preview-label");
      announce(said("opened", "Opened in the preview") + (title ? ": " + title.textContent : ""));
      var mark = body && body.querySelector("[data-scroll-into-view]");
      if (mark) mark.scrollIntoView({ block: "center" });
    }
  });

  // single-key shortcuts, only while the passage list has focus and never while typing; on or
  // off is the user's account setting (WCAG 2.1.4), rendered on <body> by base.html
  function keysOn() {
    return document.body.getAttribute("data-keyboard-shortcuts") !== "off";
  }

  // the workbench's switch saves the account setting (the settings page's form, through fetch);
  // refused or failed, the switch goes back and the reason is announced
  function saveKeys(box) {
    var body = document.body;
    var on = box.checked;
    var headers = { "HX-Request": "true" };
    try {
      Object.assign(headers, JSON.parse(body.getAttribute("hx-headers") || "{}"));
    } catch (e) { /* no token: the server refuses and the switch goes back */ }
    var form = new URLSearchParams({ keyboard_shortcuts: on ? "on" : "off" });
    body.setAttribute("data-keyboard-shortcuts", on ? "on" : "off");
    function undo(message) {
      box.checked = !on;
      body.setAttribute("data-keyboard-shortcuts", on ? "off" : "on");
      announce(message || said("keys-failed", "The setting could not be saved"));
    }
    fetch(body.getAttribute("data-settings-url"), {
      method: "POST", headers: headers, body: form, credentials: "same-origin"
    }).then(function (response) {
      if (response.ok) {
        announce(on ? said("keys-on", "Shortcuts on") : said("keys-off", "Shortcuts off"));
        return;
      }
      return response.text().then(function (html) {
        var text = new DOMParser().parseFromString(html, "text/html").body.textContent;
        undo((text || "").trim());
      });
    }).catch(function () { undo(""); });
  }

  function focusPassage(panel, item, quiet) {
    passages(panel).forEach(function (el) { el.classList.remove("passage-current"); });
    item.classList.add("passage-current");
    item.tabIndex = -1;
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
    var items = passages(panel);
    panel.setAttribute("data-current", String(items.indexOf(item)));
    if (quiet) return;
    var label = item.querySelector("[data-cite]");
    announce(said("moved", "Passage") + " " + (items.indexOf(item) + 1) + "/" + items.length +
      (label ? ": " + label.textContent : ""));
  }

  var TYPING = "input, textarea, select, [contenteditable], [contenteditable=true]";

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (!(target instanceof Element) || target.closest(TYPING)) return;
    var panel = target.closest("[data-passages]");
    if (!panel || !keysOn()) return;
    var key = event.key;
    if ("jkarlo".indexOf(key) === -1 || key.length !== 1) return;
    var items = passages(panel).filter(function (el) { return !el.hidden; });
    if (!items.length) return;
    var current = target.closest(".hit, ol.links > li") || panel.querySelector(".passage-current");
    var index = items.indexOf(current);
    event.preventDefault();
    if (key === "j" || key === "k") {
      var next = index < 0 ? 0 : Math.min(Math.max(index + (key === "j" ? 1 : -1), 0), items.length - 1);
      focusPassage(panel, items[next]);
      return;
    }
    if (index < 0) { focusPassage(panel, items[0]); current = items[0]; }
    var button = null;
    var message = "";
    if (key === "a") { button = current.querySelector("button.accept"); message = said("accepted", "Accepted"); }
    if (key === "r") { button = current.querySelector("button.reject"); message = said("rejected", "Rejected"); }
    if (key === "l") {
      button = current.querySelector("button.link-evidence") || current.querySelector("button.accept");
      message = said("linked", "Linked as evidence");
    }
    if (key === "o") { button = current.querySelector("[data-cite]"); message = ""; }
    if (!button) { announce(said("none", "Not available for this passage")); return; }
    if (message) {
      // the answer redraws the list (htmx): keep the keyboard's place, the same passage
      // (by its id) or, gone from the list, the one now at its position
      panel.setAttribute("data-refocus", String(passages(panel).indexOf(current)));
      panel.setAttribute("data-refocus-id", current.id || "");
      keepScroll();
      announce(message);
    }
    button.click();
  });

  // the columns' scroll positions, kept while a keyboard decision redraws the lists (the
  // focus lost with the swapped element must not scroll the score card out of view)
  var kept = null;
  function keepScroll() {
    kept = Array.prototype.map.call(
      document.querySelectorAll("#wb-left, #wb-middle, #preview-pane"),
      function (el) { return [el, el.scrollTop]; }
    );
    kept.push([document.scrollingElement, document.scrollingElement.scrollTop]);
    window.setTimeout(function () { kept = null; }, 3000);
  }
  function restoreScroll() {
    if (!kept) return;
    kept.forEach(function (pair) { if (pair[0]) pair[0].scrollTop = pair[1]; });
  }
  document.addEventListener("htmx:afterSwap", restoreScroll);

  // after a list is redrawn (htmx), page it again and keep the keyboard's place in it; the
  // swapped element may be detached by now (outerHTML), so look for the panels still waiting
  document.addEventListener("htmx:afterSettle", function () {
    pageAll();
    Array.prototype.forEach.call(document.querySelectorAll("[data-passages][data-refocus]"), function (panel) {
      var at = Number(panel.getAttribute("data-refocus"));
      var id = panel.getAttribute("data-refocus-id");
      var items = passages(panel).filter(function (el) { return !el.hidden; });
      if (!items.length) return;  // not redrawn yet (another element settled first)
      var same = id ? document.getElementById(id) : null;
      if (same && items.indexOf(same) < 0) same = null;
      if (same && same.classList.contains("passage-current")) return;  // not redrawn yet
      panel.removeAttribute("data-refocus");
      panel.removeAttribute("data-refocus-id");
      var item = same || items[Math.min(at, items.length - 1)];
      restoreScroll();
      if (item) focusPassage(panel, item, true);
      // from now on the list's own column follows the keyboard (j / k), the others stay put
      if (kept) kept = kept.filter(function (pair) { return !pair[0] || !pair[0].contains(panel); });
    });
  });

  function setUpWorkbench() {
    var box = document.getElementById("keys-enabled");
    if (box) {
      box.checked = keysOn();
      box.addEventListener("change", function () { saveKeys(box); });
    }
    var bench = document.getElementById("workbench");
    if (bench) showTab(bench.getAttribute("data-tab") || "linked", false);
    var middle = document.getElementById("wb-middle");
    var scroll = window.sessionStorage.getItem("reviewapp.wbScroll");
    if (middle && scroll) {
      middle.scrollTop = Number(scroll);
      window.sessionStorage.removeItem("reviewapp.wbScroll");
    }
    pageAll();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpWorkbench);
  } else {
    setUpWorkbench();
  }
})();

// The document page's search (templates/documents/view.html): every match in the page texts
// marked (<mark class="find">), the first scrolled into view, the count announced.
(function () {
  "use strict";
  function clear(root) {
    Array.prototype.forEach.call(root.querySelectorAll("mark.find"), function (mark) {
      mark.replaceWith(document.createTextNode(mark.textContent));
    });
    root.normalize();
  }
  function find(word) {
    var texts = document.querySelectorAll("section.page .page-text");
    var total = 0;
    var first = null;
    var needle = word.toLowerCase();
    Array.prototype.forEach.call(texts, function (pre) {
      clear(pre);
      if (!needle) return;
      var walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      var nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(function (node) {
        var at = node.data.toLowerCase().indexOf(needle);
        while (at >= 0) {
          var match = node.splitText(at);
          node = match.splitText(needle.length);
          var mark = document.createElement("mark");
          mark.className = "find";
          match.replaceWith(mark);
          mark.appendChild(match);
          if (!first) first = mark;
          total += 1;
          at = node.data.toLowerCase().indexOf(needle);
        }
      });
    });
    var count = document.getElementById("doc-find-count");
    if (count) {
      count.textContent = !needle ? "" : total
        ? count.getAttribute("data-some").replace("__N__", String(total))
        : count.getAttribute("data-none");
    }
    if (first) first.scrollIntoView({ block: "center" });
  }
  document.addEventListener("submit", function (event) {
    if (!(event.target instanceof HTMLFormElement) || event.target.id !== "doc-find") return;
    event.preventDefault();
    find(event.target.querySelector("input[type=search]").value.trim());
  });
})();
