/**
 * How sweep traces display themselves, as the lecture draws them: reverse mode as the forward sweep's values,
 * then the adjoints in reverse order, then the gradient; forward mode as the values with their tangents.
 * No `node:` imports: this runs in a browser.
 */
import type { ForwardTrace } from '../forward/index.js';
import { mdTable } from '../report/table.js';
import type { ReverseTrace } from '../reverse/index.js';
import type { DisplayView } from './mime.js';
import { formatValue, mdCode, pointHeader, textTable } from './text.js';

const point = (t: { inputs: readonly { value: number }[] }) => t.inputs.map((i) => i.value);

/** The view of a reverse-mode trace. */
export function reverseTraceView(t: ReverseTrace): DisplayView {
  const last = t.steps[t.steps.length - 1]?.name ?? 'f';
  const header = () => pointHeader(t.variables, point(t), t.value);
  const forwardRows = () => t.steps.map((s) => [s.name, s.expression, formatValue(s.value)]);
  const backwardRows = () => [
    ...[...t.steps].reverse().map((s) => [`∂${last}/∂${s.name}`, formatValue(s.adjoint)]),
    ...t.inputs.map((i) => [`∂${last}/∂${i.name}`, formatValue(i.adjoint)]),
  ];
  const gradient = () =>
    `gradient (${t.variables.join(', ')}) = [${Array.from(t.gradient, formatValue).join(', ')}]`;
  return {
    text: () =>
      [
        header(),
        '',
        'forward sweep:',
        textTable([['step', 'operation', 'value'], ...forwardRows()]),
        '',
        'backward sweep:',
        textTable([['adjoint', 'value'], ...backwardRows()]),
        '',
        gradient(),
        '',
      ].join('\n'),
    markdown: () =>
      [
        `**${header()}**`,
        '',
        'Forward sweep: every intermediate value.',
        '',
        ...mdTable(
          ['step', 'operation', 'value'],
          forwardRows().map(([n, e, v]) => [n as string, mdCode(e as string), v as string]),
          (i) => i === 2,
        ),
        '',
        'Backward sweep: the adjoints, in reverse order.',
        '',
        ...mdTable(['adjoint', 'value'], backwardRows(), (i) => i === 1),
        '',
        `**${gradient()}**`,
        '',
      ].join('\n'),
  };
}

/** The view of a forward-mode trace. */
export function forwardTraceView(t: ForwardTrace): DisplayView {
  const k = t.seed.findIndex((s, i) => s === 1 && t.seed.every((o, j) => j === i || o === 0));
  const along = k >= 0 ? (t.variables[k] as string) : `[${Array.from(t.seed, formatValue).join(', ')}]`;
  const tangent = k >= 0 ? `d/d${along}` : 'tangent';
  const header = () => pointHeader(t.variables, point(t), t.value);
  const rows = () => [
    ...t.inputs.map((i) => [i.name, 'input', formatValue(i.value), formatValue(i.tangent)]),
    ...t.steps.map((s) => [s.name, s.expression, formatValue(s.value), formatValue(s.tangent)]),
  ];
  const result = () =>
    k >= 0 ? `∂f/∂${along} = ${formatValue(t.tangent)}` : `∇f · ${along} = ${formatValue(t.tangent)}`;
  return {
    text: () =>
      [
        header(),
        '',
        `forward sweep with tangents along ${along}:`,
        textTable([['step', 'operation', 'value', tangent], ...rows()]),
        '',
        result(),
        '',
      ].join('\n'),
    markdown: () =>
      [
        `**${header()}**`,
        '',
        `Forward sweep with tangents along ${along}: every value with its tangent.`,
        '',
        ...mdTable(
          ['step', 'operation', 'value', tangent],
          rows().map(([n, e, v, d]) => [
            n as string,
            e === 'input' ? 'input' : mdCode(e as string),
            v as string,
            d as string,
          ]),
          (i) => i >= 2,
        ),
        '',
        `**${result()}**`,
        '',
      ].join('\n'),
  };
}
