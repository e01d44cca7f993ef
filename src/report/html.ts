/**
 * The report as one self-contained HTML page: the Markdown tables rendered to HTML and the charts inlined as
 * SVG (no scripts, no network).
 */
import { marked } from 'marked';
import { type Results, reportMarkdown, sectionViews } from './results.js';

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
code { background: #f4f4f4; padding: 0 0.2em; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
figcaption { font-size: 13px; color: #555; }
`;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The HTML page; `svgs` maps chart names (as the sections name them) to rendered SVG. */
export function reportHtml(r: Results, svgs: Readonly<Record<string, string>>): string {
  const head = reportMarkdown({
    ...r,
    scaling: undefined,
    swell: undefined,
    accuracy: undefined,
    gradbench: undefined,
    performance: undefined,
    peers: undefined,
    native: undefined,
  } as Results);
  const body = [marked.parse(head, { async: false }) as string];
  for (const s of sectionViews(r)) {
    body.push(`<h2>${escapeHtml(s.title)}</h2>`);
    for (const name of Object.keys(s.charts)) {
      const svg = svgs[name];
      if (svg)
        body.push(
          `<figure id="${escapeHtml(name)}">${svg}<figcaption>${escapeHtml(name)}</figcaption></figure>`,
        );
    }
    body.push(marked.parse(s.markdown, { async: false }) as string);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>difflab benchmark report</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
