/**
 * The checks of the top-level calls' arguments: which option names each call and method reads (any other is
 * an error, not silence), and the point (finite unless asked otherwise).
 */
import { DifflabError, METHODS, type Method, type Program } from './ir/index.js';
import { closest } from './suggest.js';
import { type Point, toPoint } from './sweeps/index.js';

/** The top-level calls whose options are checked here. */
export type Call = 'gradient' | 'jacobian' | 'jvp' | 'vjp' | 'hessian' | 'hvp' | 'compare';

/** Options every top-level differentiation call takes besides its method's own. */
export interface PointOptions {
  /**
   * Let the point hold NaN or ±Infinity (default false: a non-finite point is a `bad-point` error, since it
   * is almost always a bug upstream). Set it where a non-finite point is intended, e.g. to watch NaN propagate.
   */
  allowNonFinite?: boolean;
}

/** Option names every method reads in gradient, jacobian, jvp and vjp. */
const COMMON = ['method', 'check', 'backend', 'allowNonFinite'] as const;

/** Each method's own option names. */
const OWN: { readonly [M in Method]: readonly string[] } = {
  numeric: ['scheme', 'step'],
  symbolic: ['engine', 'simplify', 'budget', 'cache'],
  forward: ['chunk'],
  reverse: ['checkpoint', 'snapshots'],
};

/** The option names a call reads; `method` only applies to the four calls that pick one. */
export function optionNames(call: Call, method: Method): readonly string[] {
  // hessian and hvp run forward over reverse whatever is asked, on the interpreter, without checks.
  if (call === 'hvp') return ['allowNonFinite'];
  // sparse: the Hessian or Jacobian by compressed sweeps (src/sparse), returned as the same dense rows.
  if (call === 'hessian') return ['allowNonFinite', 'sparse'];
  const names: string[] = [...COMMON, ...OWN[method]];
  // A jvp pushes one direction: forward mode has no chunk to choose.
  if (call === 'jvp' && method === 'forward') names.splice(names.indexOf('chunk'), 1);
  // Only gradient writes into a caller's array.
  if (call === 'gradient') names.push('out');
  if (call === 'jacobian' && (method === 'forward' || method === 'reverse')) names.push('sparse');
  return names;
}

/** The method an options object asks for (default 'reverse'), checked. */
export function methodOf(options: object | undefined): Method {
  const method = (options as { method?: unknown } | undefined)?.method ?? 'reverse';
  if (!METHODS.includes(method as Method)) {
    throw new DifflabError(
      'invalid-argument',
      `unknown method '${String(method)}' (use ${METHODS.join(', ')})`,
    );
  }
  return method as Method;
}

/**
 * Checks an options object for `call`: a plain object whose every key the call reads with its method, and
 * the combinations that a method would ignore. Returns the method.
 */
export function checkOptions(options: unknown, call: Call): Method {
  if (options === undefined) return 'reverse';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DifflabError('invalid-argument', `${call}: options must be an object`);
  }
  const method = call === 'hessian' || call === 'hvp' ? 'reverse' : methodOf(options);
  const allowed = optionNames(call, method);
  const given = options as Record<string, unknown>;
  for (const key in given) {
    // A key set to undefined is an option not given (as a spread of optional flags produces).
    if (!Object.hasOwn(given, key) || given[key] === undefined || allowed.includes(key)) continue;
    throw new DifflabError('invalid-argument', unknownOption(call, method, key, allowed));
  }
  checkCombinations(options as Record<string, unknown>, call, method);
  checkAllowNonFinite(options as PointOptions, call);
  return method;
}

function checkAllowNonFinite(options: PointOptions, call: Call): void {
  const allow = options.allowNonFinite;
  if (allow !== undefined && typeof allow !== 'boolean') {
    throw new DifflabError('invalid-argument', `${call}: allowNonFinite must be true or false`);
  }
}

/** Options a method would read but then ignore in a given combination. */
function checkCombinations(o: Record<string, unknown>, call: Call, method: Method): void {
  if (method === 'symbolic' && o.engine === 'graph' && o.simplify === true) {
    throw new DifflabError('invalid-argument', `${call}: simplify applies to engine 'mathjs' only`);
  }
  // The complex step runs its own (interpreted) sweep: a compiled backend would not be used.
  if (method === 'numeric' && o.scheme === 'complex' && o.backend === 'compile') {
    throw new DifflabError(
      'invalid-argument',
      `${call}: the complex step has no compiled backend (use backend 'interpret' or another scheme)`,
    );
  }
  if (method === 'reverse' && o.snapshots !== undefined && o.checkpoint !== 'binomial') {
    throw new DifflabError(
      'invalid-argument',
      `${call}: snapshots applies to checkpoint 'binomial' only (pass { checkpoint: 'binomial', snapshots })`,
    );
  }
  if (o.sparse !== undefined && typeof o.sparse !== 'boolean') {
    throw new DifflabError('invalid-argument', `${call}: sparse must be true or false`);
  }
  if (o.out !== undefined && !(o.out instanceof Float64Array)) {
    throw new DifflabError('invalid-argument', `${call}: out must be a Float64Array`);
  }
}

/** The option names of mixed mode (`jacobian` only): the common ones and forward mode's chunk. */
const MIXED = [...COMMON, 'chunk'] as const;

/**
 * Checks the options of `jacobian(f, at, { method: 'mixed', ... })`: only the names mixed mode reads, and a
 * chunk that forward mode takes (checked here, since a part goes forward only when that is cheaper).
 */
export function checkMixedOptions(given: object, call: Call): void {
  const options = given as Record<string, unknown>;
  for (const key in options) {
    if (!Object.hasOwn(options, key) || options[key] === undefined) continue;
    if (!(MIXED as readonly string[]).includes(key)) {
      throw new DifflabError(
        'invalid-argument',
        `${call}: method 'mixed' does not use '${key}' (options: ${MIXED.join(', ')})`,
      );
    }
  }
  const c = options.chunk;
  if (c !== undefined && !(Number.isInteger(c) && (c as number) >= 1 && (c as number) <= 64)) {
    throw new DifflabError(
      'invalid-argument',
      `${call}: chunk must be an integer from 1 to 64, got ${String(c)}`,
    );
  }
  checkAllowNonFinite(options, call);
}

/** The message for an option the call does not read: whose option it is, or which ones there are. */
function unknownOption(call: Call, method: Method, key: string, allowed: readonly string[]): string {
  if (call === 'hessian' || call === 'hvp') {
    const what = key === 'method' ? 'it is computed by forward over reverse' : 'it takes no other option';
    return `${call}: option '${key}' does not apply (${what}; options: allowNonFinite)`;
  }
  const owner = METHODS.find((m) => OWN[m].includes(key));
  if (owner !== undefined && owner !== method) {
    return `${call}: '${key}' is an option of method '${owner}', not of '${method}'`;
  }
  if (owner === method || key === 'out') return `${call}: method '${method}' does not use '${key}' here`;
  const near = closest(key, allowed);
  const hint = near === undefined ? '' : `did you mean '${near}'? `;
  return `${call}: unknown option '${key}' (${hint}options: ${allowed.join(', ')})`;
}

/**
 * The point as a Float64Array in `f.variables` order (by `toPoint`: names, length, types), then checked: a
 * point by name names variables of f only (`evaluate` takes a scope, as mathjs does, and ignores the other
 * names; a derivative with respect to a name the function lacks is a mistake), and its values are finite
 * unless `allowNonFinite`. A Float64Array of the right length is used as it is when `copy` is false.
 */
export function checkedPoint(
  f: Program,
  at: Point,
  options: PointOptions | undefined,
  copy = true,
): Float64Array {
  const x = !copy && at instanceof Float64Array && at.length === f.variables.length ? at : toPoint(f, at);
  if (!ArrayBuffer.isView(at) && !Array.isArray(at))
    rejectExtraNames(f, at as Readonly<Record<string, number>>);
  if (options?.allowNonFinite === true) return x;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new DifflabError(
        'bad-point',
        `the value of '${f.variables[i]}' is ${x[i]}; pass { allowNonFinite: true } if that is intended`,
      );
    }
  }
  return x;
}

/** By now every variable has a value: a point with more names than variables names one the function lacks. */
function rejectExtraNames(f: Program, record: Readonly<Record<string, number>>): void {
  let count = 0;
  for (const key in record) if (Object.hasOwn(record, key)) count++;
  if (count === f.variables.length) return;
  const known = new Set(f.variables);
  const extra = Object.keys(record).filter((key) => !known.has(key));
  throw new DifflabError(
    'bad-point',
    `the point names ${extra.map((k) => `'${k}'`).join(', ')}, which the function does not have (its variables: ${f.variables.join(', ')})`,
  );
}
