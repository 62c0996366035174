// reviewapp: the PDF page of the preview pane (templates/documents/_preview.html), drawn with
// the vendored PDF.js, the cited passage highlighted on the page's text layer. The matching
// follows reviewapp/services/highlight.py rule for rule (bench/bench_highlight.py measures it):
// whitespace, line breaks and compatibility forms are ignored; a passage is found whole, else
// piecewise inside the window its longest uniquely found line fixes, covering >= 75 % of it;
// else nothing is highlighted and the passage is shown beside the page (never a wrong mark).
const MIN_PIECE = 6;
const MIN_COVER = 0.75;
const IGNORED = /[\s\u200b\u200c\u200d\ufeff\u00ad]/u;

let pdfjs = null;
const documents = new Map(); // url -> Promise<PDFDocumentProxy>

function library() {
  if (!pdfjs) {
    const meta = document.querySelector("meta[name=pdfjs]");
    pdfjs = import(meta.content).then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = meta.dataset.worker;
      return lib;
    });
  }
  return pdfjs;
}

// text without whitespace (NFKC per character) and, for each kept character, its source index
export function normalize(text) {
  const out = [];
  const where = [];
  let i = 0;
  for (const ch of text) {
    for (const c of ch.normalize("NFKC")) {
      if (!IGNORED.test(c)) {
        out.push(c);
        where.push(i);
      }
    }
    i += ch.length;
  }
  return { text: out.join(""), where };
}

function all(hay, needle) {
  const found = [];
  let i = hay.indexOf(needle);
  while (i >= 0) {
    found.push(i);
    i = hay.indexOf(needle, i + 1);
  }
  return found;
}

// [start, end) ranges over the normalized layer text, or null (services/highlight.locate)
export function locate(passage, layer, hint) {
  const needle = normalize(passage).text;
  const hay = normalize(layer).text;
  if (!needle || !hay) return null;
  const hits = all(hay, needle);
  if (hits.length) {
    const best = hits.reduce((a, b) =>
      Math.abs(b / hay.length - hint) < Math.abs(a / hay.length - hint) ? b : a);
    return [[best, best + needle.length]];
  }
  const pieces = [];
  let offset = 0;
  for (const line of passage.split("\n")) {
    const text = normalize(line).text;
    if (text) {
      pieces.push([offset, text]);
      offset += text.length;
    }
  }
  let anchor = null;
  for (const [off, text] of [...pieces].sort((a, b) => b[1].length - a[1].length)) {
    if (text.length < 2 * MIN_PIECE) break;
    const found = all(hay, text);
    if (found.length === 1) {
      anchor = found[0] - off;
      break;
    }
  }
  if (anchor === null) return null;
  const quarter = Math.floor(needle.length / 4);
  const lo = anchor - quarter;
  const hi = anchor + needle.length + quarter;
  const ranges = [];
  const todo = [...pieces];
  while (todo.length) {
    const [off, text] = todo.shift();
    if (text.length < MIN_PIECE) continue;
    const found = all(hay, text).filter((i) => lo <= i && i + text.length <= hi);
    if (found.length) {
      const at = found.reduce((a, b) =>
        Math.abs(b - (anchor + off)) < Math.abs(a - (anchor + off)) ? b : a);
      ranges.push([at, at + text.length]);
    } else if (text.length >= 2 * MIN_PIECE) {
      const half = Math.floor(text.length / 2);
      todo.unshift([off, text.slice(0, half)], [off + half, text.slice(half)]);
    }
  }
  const covered = ranges.reduce((sum, [a, b]) => sum + b - a, 0) / needle.length;
  return covered >= MIN_COVER ? ranges.sort((a, b) => a[0] - b[0]) : null;
}

// the text layer's text nodes, where each starts in ``raw`` (their texts, one a line)
function collect(layer) {
  const walker = document.createTreeWalker(layer, NodeFilter.SHOW_TEXT);
  const nodes = [];
  const starts = [];
  let raw = "";
  while (walker.nextNode()) {
    nodes.push(walker.currentNode);
    starts.push(raw.length);
    raw += walker.currentNode.data + "\n";
  }
  return { nodes, starts, raw };
}

// wrap the located characters of the text layer in <mark class="hl">; the marks, in order
function mark(layer, ranges) {
  const { nodes, starts, raw } = collect(layer);
  const { where } = normalize(raw);
  const segments = new Map(); // node index -> [[from, to], ...] in code units
  for (const [a, b] of ranges) {
    for (let k = a; k < b; k++) {
      const at = where[k];
      let n = starts.length - 1;
      while (starts[n] > at) n--;
      const from = at - starts[n];
      const list = segments.get(n) || [];
      const last = list[list.length - 1];
      if (last && last[1] === from) last[1] = from + 1;
      else list.push([from, from + 1]);
      segments.set(n, list);
    }
  }
  const marks = [];
  for (const [n, list] of [...segments.entries()].sort((x, y) => x[0] - y[0])) {
    const node = nodes[n];
    const made = [];
    for (const [from, to] of list.reverse()) {
      const range = document.createRange();
      range.setStart(node, Math.min(from, node.data.length));
      range.setEnd(node, Math.min(to, node.data.length));
      const el = document.createElement("mark");
      el.className = "hl";
      range.surroundContents(el);
      made.unshift(el);
    }
    marks.push(...made);
  }
  return marks;
}

// a scanned (OCR'd) page has no text layer to match: the server locates the passage among
// tesseract's words (reviewapp/services/ocr_marks.py, the same rules) and answers boxes in
// fractions of the page, drawn here over the canvas; none when it is not found safely
async function scanMarks(view, holder, token) {
  const response = await fetch(view.dataset.ocrMarks, {
    credentials: "same-origin", headers: { Accept: "application/json" },
  });
  if (!response.ok) return [];
  const found = await response.json();
  // drawn again meanwhile (a resize) or swapped out: that drawing has its own marks
  if (!view.isConnected || view.drawToken !== token) return [];
  if (!found.marks || !found.marks.length) return [];
  const overlay = document.createElement("div");
  overlay.className = "ocr-layer";
  const marks = found.marks.map((box) => {
    const el = document.createElement("mark");
    el.className = "hl ocr";
    el.style.left = `${box.left * 100}%`;
    el.style.top = `${box.top * 100}%`;
    el.style.width = `${box.width * 100}%`;
    el.style.height = `${box.height * 100}%`;
    el.textContent = box.text;
    overlay.append(el);
    return el;
  });
  holder.append(overlay);
  return marks;
}

function say(view, key) {
  const status = view.querySelector(".pdf-status");
  const messages = view.querySelector(".pdf-messages");
  if (status && messages) status.textContent = messages.dataset[key] || "";
}

async function draw(view) {
  view.dataset.state = "drawing";
  const token = {};
  view.drawToken = token;
  const url = view.dataset.pdfUrl;
  const number = Number(view.dataset.page || "1");
  const hint = Number(view.dataset.hint || "0");
  const template = view.querySelector("template.pdf-passage");
  const passage = template ? template.content.textContent : "";
  try {
    const lib = await library();
    if (!documents.has(url)) {
      documents.set(url, lib.getDocument({ url, isEvalSupported: false }).promise);
    }
    const pdf = await documents.get(url);
    const page = await pdf.getPage(number);
    if (view.drawToken !== token) return;
    const holder = view.querySelector(".pdf-page");
    const fit = Math.max(view.clientWidth - 2, 200);
    view.dataset.drawnWidth = String(fit);
    const zoom = zoomOf(view);
    const width = fit * zoom;
    view.classList.toggle("zoomed", zoom > 1);
    showZoom(view, zoom);
    const viewport = page.getViewport({ scale: width / page.getViewport({ scale: 1 }).width });
    const canvas = holder.querySelector("canvas");
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    holder.style.width = `${Math.floor(viewport.width)}px`;
    holder.style.height = `${Math.floor(viewport.height)}px`;
    const context = canvas.getContext("2d");
    if (view.renderTask) view.renderTask.cancel();
    const task = page.render({
      canvasContext: context,
      viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
    });
    view.renderTask = task;
    await task.promise;
    if (view.renderTask === task) view.renderTask = null;
    if (view.drawToken !== token) return;
    const layer = holder.querySelector(".textLayer");
    layer.replaceChildren();
    for (const old of holder.querySelectorAll(".ocr-layer")) old.remove();
    holder.style.setProperty("--scale-factor", String(viewport.scale));
    const textLayer = new lib.TextLayer({
      textContentSource: await page.getTextContent(),
      container: layer,
      viewport,
    });
    await textLayer.render();
    if (view.drawToken !== token) return;
    if (!passage) {
      view.dataset.state = "shown";
      say(view, "shown");
      return;
    }
    const ranges = locate(passage, collect(layer).raw, hint);
    let marks = ranges ? mark(layer, ranges) : [];
    let found = "found";
    if (!marks.length && view.dataset.ocrMarks) {
      view.dataset.state = "reading";
      say(view, "reading");
      marks = await scanMarks(view, holder, token);
      if (view.drawToken !== token) return;
      found = "foundOcr";
      view.dataset.highlight = marks.length ? "ocr" : "";
    }
    if (marks.length) {
      view.dataset.state = "highlighted";
      say(view, found);
      marks[0].scrollIntoView({ block: "center", inline: "center" });
    } else {
      view.dataset.state = "beside";
      view.querySelector(".passage-beside").hidden = false;
      say(view, "missing");
    }
  } catch (error) {
    // a newer drawing (zoom, resize) cancelled this one: it is not a failure
    if (view.drawToken !== token || (error && error.name === "RenderingCancelledException")) return;
    view.dataset.state = "failed";
    view.querySelector(".pdf-fallback").hidden = false;
    view.querySelector(".pdf-page").hidden = true;
    say(view, "failed");
    console.warn("reviewapp viewer:", error);
  }
}

// zoom: a factor of the column's width (1 = fit width), kept for the next preview; the page
// is drawn again at the new size, so the highlight is marked again on the new text layer
const ZOOMS = [1, 1.25, 1.5, 2, 2.5, 3];
let lastZoom = 1;

function zoomOf(view) {
  const z = Number(view.dataset.zoom || lastZoom);
  return ZOOMS.includes(z) ? z : 1;
}

function showZoom(view, zoom) {
  const level = view.querySelector(".zoom-level");
  if (level) level.textContent = `${Math.round(zoom * 100)}%`;
  const fit = view.querySelector("[data-zoom=fit]");
  if (fit) fit.setAttribute("aria-pressed", zoom === 1 ? "true" : "false");
  const out = view.querySelector("[data-zoom=out]");
  if (out) out.disabled = zoom <= ZOOMS[0];
  const more = view.querySelector("[data-zoom=in]");
  if (more) more.disabled = zoom >= ZOOMS[ZOOMS.length - 1];
}

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest(".pdf-view [data-zoom]");
  if (!button) return;
  const view = button.closest(".pdf-view");
  const at = ZOOMS.indexOf(zoomOf(view));
  const how = button.dataset.zoom;
  const next = how === "fit" ? 1 : ZOOMS[Math.min(Math.max(at + (how === "in" ? 1 : -1), 0), ZOOMS.length - 1)];
  if (next === zoomOf(view) && how !== "fit") return;
  view.dataset.zoom = String(next);
  lastZoom = next;
  draw(view);
});

// a window made narrower or wider draws the page again at the new width (CSS keeps it inside
// its column meanwhile), so that the page never makes the window scroll sideways
const resized = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const view = entry.target;
    const drawn = Number(view.dataset.drawnWidth || "0");
    const state = view.dataset.state;
    if (drawn && state && state !== "drawing" && state !== "failed"
        && Math.abs(Math.max(view.clientWidth - 2, 200) - drawn) > 8) {
      draw(view);
    }
  }
});

// a scanned image (templates/documents/_preview.html .scan-view): the passage boxed on it from
// its OCR words, else the page's OCR text shown beside it with the passage marked
async function boxScan(view) {
  view.dataset.state = "reading";
  const token = {};
  view.drawToken = token;
  let marks = [];
  try {
    marks = await scanMarks(view, view.querySelector(".scan-page"), token);
  } catch (error) {
    console.warn("reviewapp viewer:", error);
  }
  if (marks.length) {
    view.dataset.state = "highlighted";
    view.dataset.highlight = "ocr";
    say(view, "foundOcr");
    marks[0].scrollIntoView({ block: "center" });
    return;
  }
  view.dataset.state = "beside";
  view.querySelector(".passage-beside").hidden = false;
  const text = view.querySelector(".scan-text");
  text.hidden = false;
  say(view, "missing");
  const mark = text.querySelector("mark");
  if (mark) mark.scrollIntoView({ block: "center" });
}

function drawAll(root) {
  for (const view of (root || document).querySelectorAll(".pdf-view:not([data-state])")) {
    resized.observe(view);
    draw(view);
  }
  for (const view of (root || document).querySelectorAll(".scan-view:not([data-state])")) {
    boxScan(view);
  }
}

document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target));
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => drawAll(document));
} else {
  drawAll(document);
}
