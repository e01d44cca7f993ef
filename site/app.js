/**
 * The difflab page: differentiates the typed expression at the typed point by all four methods, in the
 * browser, with difflab's browser bundle. Shows the gradients side by side with their errors, operation counts
 * and times, a chart of the costs, the reverse-mode trace, and the tree and DAG sizes of the symbolic gradient.
 *
 * Every number is also written, unrounded, to a `data-value` attribute, so tests (and curious people) can
 * read the exact doubles back.
 */
import {
  compare,
  DifflabError,
  JUPYTER_DISPLAY,
  methods,
  metrics,
  parse,
  traceReverse,
} from '../dist/browser/difflab.js';

const ABOUT = {
  numeric: 'finite differences, central, h = ε^(1/3)·max(1, |x|)',
  symbolic: "mathjs's derivative(), once per input, then evaluated",
  forward: 'dual numbers: one tangent sweep per chunk of inputs',
  reverse: 'a tape: one forward sweep, one backward sweep',
};

const $ = (selector) => {
  const element = document.querySelector(selector);
  if (element === null) throw new Error(`the page has no ${selector}`);
  return element;
};

/** Creates an element with text and attributes. */
function el(tag, text, attributes = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  return e;
}

/** A value as the shortest text that reads back as the same double. */
const formatValue = (x) => (Object.is(x, -0) ? '-0' : String(x));

/** An error or a small figure: 0, or 2–3 significant digits. */
function formatSmall(x, digits = 3) {
  if (x === undefined || x === null) return '—';
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return Math.abs(x) < 1e-3 ? x.toExponential(1) : String(Number(x.toPrecision(digits)));
}

/**
 * A time in ms. Browsers coarsen `performance.now()` (to 0.1 ms without cross-origin isolation), so a call
 * faster than that reads as 0.
 */
const formatTime = (ms) => (ms === 0 ? '< 0.1 ms' : `${formatSmall(ms)} ms`);

/** Thousands separated by thin spaces, for sizes; bigints stay exact. */
const formatCount = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');

/**
 * Reads a point: `name=value` pairs separated by commas, semicolons or spaces, or bare values in the order of
 * the function's variables.
 */
function readPoint(text, variables) {
  const parts = text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('type a point, e.g. x=1, y=2');
  const record = {};
  const number = (name, s) => {
    const v = Number(s);
    if (s === '' || !Number.isFinite(v)) throw new Error(`the value of ${name}, '${s}', is not a number`);
    return v;
  };
  if (parts.every((p) => !p.includes('='))) {
    if (parts.length !== variables.length) {
      throw new Error(
        `${parts.length} values for ${variables.length} variables (${variables.join(', ')}): name them as x=1, y=2`,
      );
    }
    parts.forEach((p, i) => {
      record[variables[i]] = number(variables[i], p);
    });
    return record;
  }
  for (const p of parts) {
    const [name, value, extra] = p.split('=');
    if (!name || value === undefined || extra !== undefined) throw new Error(`'${p}' is not name=value`);
    record[name] = number(name, value);
  }
  const unknown = Object.keys(record).filter((n) => !variables.includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `${unknown.join(', ')} ${unknown.length > 1 ? 'are not variables' : 'is not a variable'} of f`,
    );
  }
  const missing = variables.filter((v) => !(v in record));
  if (missing.length > 0) {
    throw new Error(`no value for ${missing.join(', ')} (e.g. ${missing.map((m) => `${m}=1`).join(', ')})`);
  }
  return record;
}

/** Shows an error: a DifflabError's message, code and caret, or any other error's message. */
function showError(e) {
  const box = $('#error');
  let text = e instanceof Error ? e.message : String(e);
  if (e instanceof DifflabError) {
    const caret = e.caret();
    text = `${e.message} [${e.code}]${caret ? `\n\n${caret}` : ''}`;
  }
  box.querySelector('pre').textContent = text;
  box.hidden = false;
  $('#results').hidden = true;
}

/** One card per method: the gradient, the error against reverse mode, the operation count and the time. */
function renderCards(f, rows) {
  const cards = $('#methods');
  cards.replaceChildren();
  for (const r of rows) {
    const card = el('article', undefined, { class: 'card', 'data-method': r.method });
    card.append(el('h3', r.method), el('p', ABOUT[r.method], { class: 'about' }));
    if (r.gradient === undefined) {
      card.append(el('p', `failed: ${r.failure.message} [${r.failure.code}]`, { class: 'failure' }));
      cards.append(card);
      continue;
    }
    const g = el('table', undefined, { class: 'gradient' });
    f.variables.forEach((v, i) => {
      const tr = el('tr');
      tr.append(
        el('th', `∂f/∂${v}`),
        el('td', formatValue(r.gradient[i]), { 'data-variable': v, 'data-value': r.gradient[i] }),
      );
      g.append(tr);
    });
    const facts = el('dl');
    facts.append(
      el('dt', 'error vs reverse'),
      el('dd', formatSmall(r.error), { class: 'error-figure', 'data-value': r.error }),
      el('dt', 'operations'),
      el('dd', formatCount(r.ops), { class: 'ops', 'data-value': r.ops }),
      el('dt', 'time'),
      el('dd', formatTime(r.time), { class: 'time', 'data-value': r.time }),
    );
    card.append(g, facts);
    cards.append(card);
  }
}

/** The forward sweep's values and the backward sweep's adjoints, as the lecture draws them. */
function renderTrace(t) {
  const forwardBody = $('#forward-sweep tbody');
  const backwardBody = $('#backward-sweep tbody');
  forwardBody.replaceChildren();
  backwardBody.replaceChildren();
  const last = t.steps.at(-1)?.name ?? 'f';
  for (const s of t.steps) {
    const tr = el('tr', undefined, { 'data-step': s.name });
    tr.append(
      el('td', s.name),
      el('td', s.expression, { class: 'op' }),
      el('td', formatValue(s.value), { 'data-value': s.value }),
    );
    forwardBody.append(tr);
  }
  const adjoints = [
    ...[...t.steps].reverse().map((s) => [s.name, s.adjoint, false]),
    ...t.inputs.map((i) => [i.name, i.adjoint, true]),
  ];
  for (const [name, adjoint, input] of adjoints) {
    const tr = el('tr', undefined, { 'data-adjoint': name, ...(input ? { class: 'input' } : {}) });
    tr.append(el('td', `∂${last}/∂${name}`), el('td', formatValue(adjoint), { 'data-value': adjoint }));
    backwardBody.append(tr);
  }
}

/** Sizes of f and of its symbolic gradient by both engines, as trees and as DAGs. */
function renderSizes(f, x, rows) {
  const body = $('#sizes tbody');
  body.replaceChildren();
  const m = metrics(f);
  const add = (label, key, tree, dag, note) => {
    const tr = el('tr', undefined, { 'data-size': key });
    const ratio =
      tree !== undefined && dag !== undefined && Number(dag) > 0 ? Number(tree) / Number(dag) : undefined;
    tr.append(
      el('th', label),
      el('td', tree === undefined ? '—' : formatCount(tree), {
        class: 'tree',
        'data-value': String(tree ?? ''),
      }),
      el('td', dag === undefined ? (note ?? '—') : formatCount(dag), {
        class: 'dag',
        'data-value': String(dag ?? ''),
      }),
      el('td', ratio === undefined ? '' : `${formatSmall(ratio, 3)}×`),
    );
    body.append(tr);
  };
  add('f', 'f', m.treeSize, m.dagSize);
  const mathjs = rows.find((r) => r.method === 'symbolic');
  if (mathjs?.stats) {
    add(
      "gradient by mathjs's derivative()",
      'mathjs',
      mathjs.stats.details.treeSize,
      mathjs.stats.details.dagSize,
    );
  } else {
    add("gradient by mathjs's derivative()", 'mathjs', undefined, undefined, mathjs?.failure?.message);
  }
  try {
    const graph = methods.symbolic.gradient(f, x, { engine: 'graph' }).stats.details;
    add("gradient by difflab's graph engine", 'graph', graph.treeSize, graph.dagSize);
  } catch (e) {
    add("gradient by difflab's graph engine", 'graph', undefined, undefined, e.message);
  }
}

/** Differentiates what the form holds and shows it all. */
async function run() {
  const source = $('#expr').value;
  const results = $('#results');
  document.body.dataset.state = 'busy';
  try {
    const f = parse(source);
    if (f.outputs.length !== 1) throw new Error('type one expression (a scalar function)');
    const at = readPoint($('#point').value, f.variables);
    const x = Float64Array.from(f.variables, (v) => at[v]);
    const rows = compare(f, x);
    const t = traceReverse(f, x);
    $('#value').textContent =
      `f(${f.variables.map((v, i) => `${v} = ${formatValue(x[i])}`).join(', ')}) = ${formatValue(t.value)}`;
    $('#value').dataset.value = String(t.value);
    renderCards(f, rows);
    renderTrace(t);
    renderSizes(f, x, rows);
    // The comparison's own notebook display draws the chart (Vega-Lite rendered to SVG by Vega).
    const bundle = await rows[JUPYTER_DISPLAY]();
    $('#chart').innerHTML = bundle['image/svg+xml'] ?? '';
    $('#error').hidden = true;
    results.hidden = false;
    document.body.dataset.state = 'done';
  } catch (e) {
    showError(e);
    document.body.dataset.state = 'error';
  }
}

/** Lists the variables of what is typed so far (quietly: a half-typed expression is not an error yet). */
function showVariables() {
  try {
    const vars = parse($('#expr').value).variables;
    $('#variables').textContent = vars.length > 0 ? `variables: ${vars.join(', ')}` : 'no variables';
  } catch {
    $('#variables').textContent = 'variables: …';
  }
}

$('#form').addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});
$('#expr').addEventListener('input', showVariables);
for (const button of document.querySelectorAll('button.example')) {
  button.addEventListener('click', () => {
    $('#expr').value = button.dataset.expr;
    $('#point').value = button.dataset.point;
    showVariables();
    void run();
  });
}
showVariables();
void run();
