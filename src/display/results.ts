/**
 * The results a user looks at, with their notebook display attached: the presentation layer wraps the plain
 * data that the methods and the API return (`compare` in `src/api.ts`, the traces in `src/forward` and
 * `src/reverse`), so no method imports presentation code. The public index exports these.
 */
import { type CompareOptions, type ComparisonRow, compare as compareRows } from '../api.js';
import { type ForwardTrace, traceForward as forwardTrace } from '../forward/index.js';
import type { Program } from '../ir/program.js';
import { type ReverseTrace, traceReverse as reverseTrace } from '../reverse/index.js';
import { type Point, toPoint } from '../sweeps/index.js';
import { compareView } from './compare.js';
import { type Displayable, displayable } from './mime.js';
import { forwardTraceView, reverseTraceView } from './trace.js';

/** The rows of {@link compare}: an array that also displays itself (a table and a chart in notebooks). */
export type Comparison = ComparisonRow[] & Displayable;

/**
 * Runs every method's gradient at one point: per method the gradient, its error against reverse mode, the
 * operation count and the time (`compare` of `src/api.ts`). A method that fails is reported, not thrown. The
 * array displays itself in Jupyter (Deno's kernel) as a table and a chart, and `String(rows)` is the table as
 * text.
 */
export function compare(f: Program<number>, at: Point, options: CompareOptions = {}): Comparison {
  const rows = compareRows(f, at, options);
  return displayable(rows, compareView(f, toPoint(f, at), rows));
}

/**
 * Runs reverse mode on scalar f at a point and returns every intermediate value and adjoint. The trace
 * displays itself in Jupyter (Deno's kernel) as tables, and `String(trace)` is the text `difflab trace` prints.
 *
 * @example
 * const t = traceReverse(parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)'), { w1: 3, w2: 4 });
 * t.steps.map((s) => [s.name, s.expression, s.value, s.adjoint]);
 * // ['a', 'w1 * 1', 3, 22], ..., ['e', 'c - 0', 11, 22], ['f', 'e^2', 121, 1], ...
 */
export function traceReverse(f: Program, at: Point): ReverseTrace & Displayable {
  const trace = reverseTrace(f, at);
  return displayable(trace, reverseTraceView(trace));
}

/**
 * Runs one tangent sweep of scalar f at a point along `seed` (default: the first variable's direction) and
 * returns every intermediate value and tangent (displayed in notebooks as a table; `String(trace)` as text).
 *
 * @example
 * traceForward(parse('x * sin(y)'), { x: 2, y: 0 }, [0, 1]).tangent; // ∂f/∂y = x cos y = 2
 */
export function traceForward(f: Program, at: Point, seed?: ArrayLike<number>): ForwardTrace & Displayable {
  const trace = forwardTrace(f, at, seed);
  return displayable(trace, forwardTraceView(trace));
}
