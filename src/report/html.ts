/**
 * The report as one self-contained HTML page (no scripts, no network): a summary of every section's findings
 * and a table of contents on the first screen, then each section with its charts inlined as SVG under
 * captions in words, and its Markdown tables rendered to HTML.
 */
import { marked } from 'marked';
import { REPORT_SECTIONS } from './registry.js';
import { type Results, runLine, sectionViews } from './results.js';
import type { Finding, ReportSection } from './section.js';

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { margin: 0 0 0.2em; font-size: 1.6em; }
.run { margin: 0 0 1em; color: #555; font-size: 13px; }
.top { display: grid; grid-template-columns: minmax(0, 3fr) minmax(14em, 1fr); gap: 1.5em; align-items: start; }
.top h2 { margin: 0 0 0.4em; font-size: 1.15em; }
#summary ul { margin: 0; padding-left: 1.2em; }
#summary li { margin: 0.25em 0; }
.verdict { display: inline-block; font-size: 12px; font-weight: 600; padding: 0 0.45em; border-radius: 3px; margin-right: 0.4em; }
.holds { background: #dff3e0; color: #1d5e20; }
.fails { background: #fbe0de; color: #8a1c13; }
#contents ol { margin: 0; padding-left: 1.3em; }
#contents { border-left: 3px solid #ddd; padding-left: 1em; }
section { margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th[align=right], td[align=right] { text-align: right; }
code { background: #f4f4f4; padding: 0 0.2em; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; max-width: 100%; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #444; max-width: 44em; }
`;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline Markdown as HTML, with fitted powers (`K^1.02`) as superscripts. */
const inline = (markdown: string) =>
  (marked.parseInline(markdown, { async: false }) as string).replace(
    /\b([Kn])\^(-?\d+(\.\d+)?)/g,
    '$1<sup>$2</sup>',
  );

function findingItem(f: Finding): string {
  const badge = f.verdict === undefined ? '' : `<span class="verdict ${f.verdict}">${f.verdict}</span>`;
  return `<li>${badge}${inline(f.text)}</li>`;
}

/** The HTML page; `svgs` maps chart names (as the sections name them) to rendered SVG. */
export function reportHtml(
  r: Results,
  svgs: Readonly<Record<string, string>>,
  sections: readonly ReportSection[] = REPORT_SECTIONS,
): string {
  const views = sectionViews(r, sections);
  const findings = views.flatMap((v) => v.findings);
  const body = ['<h1>difflab benchmark report</h1>', `<p class="run">${inline(runLine(r))}</p>`];
  body.push(
    '<div class="top">',
    '<div id="summary"><h2>Summary</h2>',
    findings.length > 0 ? `<ul>\n${findings.map(findingItem).join('\n')}\n</ul>` : '<p>No findings.</p>',
    '</div>',
    '<nav id="contents"><h2>Contents</h2><ol>',
    ...views.map((v) => `<li><a href="#${escapeHtml(v.name)}">${escapeHtml(v.title)}</a></li>`),
    '<li><a href="#settings">Settings</a></li>',
    '</ol></nav>',
    '</div>',
  );
  for (const v of views) {
    body.push(`<section id="${escapeHtml(v.name)}">`, `<h2>${escapeHtml(v.title)}</h2>`);
    for (const [i, c] of v.charts.entries()) {
      const svg = svgs[c.name];
      if (svg) {
        body.push(
          `<figure id="${escapeHtml(c.name)}">${svg}<figcaption>Figure ${v.name}.${i + 1}. ${escapeHtml(c.caption)}</figcaption></figure>`,
        );
      }
    }
    body.push(marked.parse(v.markdown, { async: false }) as string, '</section>');
  }
  body.push(
    '<section id="settings"><h2>Settings</h2>',
    `<p><code>${escapeHtml(JSON.stringify(r.settings))}</code></p></section>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>difflab benchmark report</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
