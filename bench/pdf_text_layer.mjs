// The text layer PDF.js builds for each page of a PDF, as the viewer sees it (its text items
// in order): `node bench/pdf_text_layer.mjs FILE.pdf` prints [[item, ...] per page] as JSON.
// Uses the vendored build the app serves (reviewapp/static/vendor/pdfjs-*/pdf.min.mjs).
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Node 20 lacks Promise.withResolvers (Chromium has it); the build needs it.
Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};

const vendor = join(dirname(fileURLToPath(import.meta.url)), "..", "reviewapp", "static", "vendor");
const folder = readdirSync(vendor).find((name) => name.startsWith("pdfjs-"));
const pdfjs = await import(pathToFileURL(join(vendor, folder, "pdf.min.mjs")).href);
pdfjs.GlobalWorkerOptions.workerSrc = pathToFileURL(join(vendor, folder, "pdf.worker.min.mjs")).href;

const data = new Uint8Array(readFileSync(process.argv[2]));
const doc = await pdfjs.getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  const content = await page.getTextContent();
  pages.push(content.items.map((item) => item.str + (item.hasEOL ? "\n" : "")));
}
process.stdout.write("\n@@pages@@" + JSON.stringify(pages));
