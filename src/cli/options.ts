/**
 * The options the commands share, and the check of each flag's value. Loaded by the entry point for every
 * command (yargs needs them for --help and to read the command line), so it imports nothing heavy: the
 * commands' work is in modules loaded when a command runs.
 */
import type { Argv } from 'yargs';
import { type Backend, METHODS, type Method } from '../ir/differentiator.js';
import { SCHEMES, type Scheme } from '../numeric/options.js';
import type { SymbolicEngine } from '../symbolic/options.js';
import { UsageError } from './errors.js';

/** The lecture's worked example, the default function of the commands. */
export const LECTURE_EXAMPLE = {
  expression: '(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)',
  at: 'w1=3,w2=4',
};

export const ENGINES: readonly SymbolicEngine[] = ['mathjs', 'graph'];
export const BACKENDS: readonly Backend[] = ['interpret', 'compile'];
export { METHODS };

export interface FunctionArgs {
  expr?: string;
  file?: string;
  at?: string;
  constants?: string;
  wrt?: string;
  digits?: number;
  json: boolean;
}

/** The flags of the methods' own options; each is passed only to the method that takes it. */
export interface MethodFlags {
  backend: Backend;
  scheme?: Scheme;
  step?: number;
  engine?: SymbolicEngine;
  budget?: number;
  chunk?: number;
  /** Anomaly detection: stop at the first value or derivative that is NaN or ±∞, naming its subexpression. */
  check?: boolean;
}

const AT_HELP =
  'The point, as name=value,... or @file.json (an object of names and numbers; "NaN", "Infinity" and ' +
  `"-Infinity" as strings; default for the example: ${LECTURE_EXAMPLE.at})`;

/** `--digits`: significant digits, 1 to 17 (a double never needs more). */
function digits(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 17)
    throw new UsageError(`--digits: expected an integer from 1 to 17, got ${value}`);
  return value;
}

/** A flag that must be a finite number greater than 0. */
function positive(flag: string) {
  return (value: number | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!(Number.isFinite(value) && value > 0))
      throw new UsageError(`--${flag}: expected a number greater than 0, got ${value}`);
    return value;
  };
}

/** A flag that must be a finite number ≥ 0 (a NaN or negative tolerance would make every comparison fail). */
export function nonNegative(flag: string) {
  return (value: number | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!(Number.isFinite(value) && value >= 0))
      throw new UsageError(`--${flag}: expected a number ≥ 0, got ${value}`);
    return value;
  };
}

/** A flag that must be an integer ≥ 1. */
export function positiveInteger(flag: string) {
  return (value: number | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!(Number.isInteger(value) && value >= 1))
      throw new UsageError(`--${flag}: expected an integer ≥ 1, got ${value}`);
    return value;
  };
}

/** `--chunk`: directions per forward sweep, an integer from 1 to 64. */
function chunk(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 64)
    throw new UsageError(`--chunk: expected an integer from 1 to 64, got ${value}`);
  return value;
}

/** The `--digits` and `--json` options of the commands that print numbers. */
export function outputOptions<T>(y: Argv<T>): Argv<T & { digits?: number; json: boolean }> {
  return y
    .option('digits', {
      type: 'number',
      coerce: digits,
      describe: 'Significant digits to print, 1 to 17 (default: enough to round-trip)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print one JSON document (NaN and ±∞ as the strings "NaN", "Infinity", "-Infinity")',
    }) as unknown as Argv<T & { digits?: number; json: boolean }>;
}

/** The point and constants of the commands that read functions. */
export function pointOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('at', { type: 'string', describe: AT_HELP })
    .option('constants', {
      type: 'string',
      describe: 'Names bound to numbers, as name=value,... or @file.json',
    })
    .option('wrt', {
      type: 'string',
      describe: 'Differentiate with respect to these variables, in this order',
    });
}

/** The options every command that reads one function shares. */
export function functionOptions<T>(y: Argv<T>): Argv<T & FunctionArgs> {
  return outputOptions(
    pointOptions(y)
      .positional('expr', {
        type: 'string',
        describe: `Expression in mathjs syntax, or - to read standard input (default: the lecture's example ${LECTURE_EXAMPLE.expression})`,
      })
      .option('file', { alias: 'f', type: 'string', describe: 'Read the expression from a file' }),
  ) as unknown as Argv<T & FunctionArgs>;
}

/** The `--backend` option of the commands that differentiate. */
export function backendOption<T>(y: Argv<T>): Argv<T & { backend: Backend }> {
  return y.option('backend', {
    choices: BACKENDS,
    default: 'interpret' as const,
    describe: 'Run the sweeps by the interpreter or by JavaScript generated for the function (same numbers)',
  }) as unknown as Argv<T & { backend: Backend }>;
}

/** Every method's own options as flags: the backend, and the scheme, step, engine, budget and chunk. */
export function methodFlags<T>(y: Argv<T>): Argv<T & MethodFlags> {
  return backendOption(y)
    .option('scheme', {
      choices: SCHEMES,
      describe: 'numeric: the finite-difference scheme (default central)',
    })
    .option('step', {
      type: 'number',
      coerce: positive('step'),
      describe: 'numeric: the step h (default by scheme, e.g. central ε^(1/3)·max(1, |x|))',
    })
    .option('engine', {
      choices: ENGINES,
      describe: 'symbolic: mathjs expression trees or the shared DAG (default mathjs)',
    })
    .option('budget', {
      type: 'number',
      coerce: positive('budget'),
      describe: 'symbolic: expression nodes before giving up (default 1e6 for mathjs, 1e7 for graph)',
    })
    .option('chunk', {
      type: 'number',
      coerce: chunk,
      describe: 'forward: directions per sweep, 1 to 64 (default by size)',
    })
    .option('check', {
      type: 'boolean',
      describe:
        'Stop at the first value, tangent or adjoint that is NaN or ±∞ and name the subexpression that made it',
    }) as unknown as Argv<T & MethodFlags>;
}

/** Which method takes which flag (the backend every method takes). */
const FLAG_METHOD: Readonly<Record<'scheme' | 'step' | 'engine' | 'budget' | 'chunk', Method>> = {
  scheme: 'numeric',
  step: 'numeric',
  engine: 'symbolic',
  budget: 'symbolic',
  chunk: 'forward',
};

/** The flags given that a method does not take. */
export function flagsNotFor(method: Method, flags: MethodFlags): string[] {
  return Object.entries(FLAG_METHOD)
    .filter(([flag, m]) => m !== method && flags[flag as keyof typeof FLAG_METHOD] !== undefined)
    .map(([flag]) => `--${flag}`);
}

/**
 * One method's options from the flags: only those it takes. With `strict`, a flag for another method is a
 * usage error (a `--scheme` with `--method reverse` would otherwise be ignored in silence).
 */
export function optionsFor(method: Method, flags: MethodFlags, strict: boolean): Record<string, unknown> {
  const stray = flagsNotFor(method, flags);
  if (strict && stray.length > 0) {
    const list = stray.map((f) => `${f} (${FLAG_METHOD[f.slice(2) as keyof typeof FLAG_METHOD]})`).join(', ');
    throw new UsageError(`--method ${method} does not take ${list}`);
  }
  // A NaN or ±∞ typed on the command line (or spelled in an --at file) is meant: the library's opt-out.
  const out: Record<string, unknown> = { method, backend: flags.backend, allowNonFinite: true };
  if (flags.check === true) out.check = true;
  for (const [flag, m] of Object.entries(FLAG_METHOD)) {
    const value = flags[flag as keyof typeof FLAG_METHOD];
    if (m === method && value !== undefined) out[flag] = value;
  }
  return out;
}

/** The sparse workloads' names by kind, listed here so that `--help` loads no workload (a test checks them). */
export const SPARSE_JACOBIAN_WORKLOADS = ['bratu', 'laplace2d', 'bundle'] as const;
export const SPARSE_HESSIAN_WORKLOADS = ['rosenbrock', 'bundle-lsq'] as const;

/** The flags of `jacobian --sparse` and `hessian --sparse`. */
export interface SparseFlags {
  sparse?: boolean;
  workload?: string;
  size?: number;
  ordering?: 'best' | 'largest-first' | 'natural';
}

/**
 * The largest `--size` of a sparse workload: K = 10⁶ takes about 1.1 GB, 4·10⁶ 2.8 GB; 10⁸ ran out of room in
 * a Map after a minute and 3.4 GB, 10²⁰ could not allocate its arrays.
 */
export const MAX_SPARSE_SIZE = 2_000_000;

/** `--sparse` and its options: compressed derivatives by graph colouring, of the expressions or of a workload. */
export function sparseOptions<T>(y: Argv<T>, workloads: readonly string[]): Argv<T & SparseFlags> {
  return y
    .option('sparse', {
      type: 'boolean',
      describe:
        'Detect the sparsity pattern, colour it and compute the compressed derivative; print colours and sweeps',
    })
    .option('workload', {
      choices: workloads,
      describe: 'With --sparse: differentiate this sparse workload instead of expressions (at its own point)',
    })
    .option('size', {
      type: 'number',
      default: 1000,
      coerce: (value: number) => {
        if (!Number.isInteger(value) || value < 1 || value > MAX_SPARSE_SIZE)
          throw new UsageError(`--size: expected a positive integer up to ${MAX_SPARSE_SIZE}, got ${value}`);
        return value;
      },
      describe: `With --workload: its size K (inputs), up to ${MAX_SPARSE_SIZE}`,
    })
    .option('ordering', {
      choices: ['best', 'largest-first', 'natural'] as const,
      describe:
        "With --sparse: the greedy colouring's vertex order (default best: both orders, the fewer colours)",
    }) as unknown as Argv<T & SparseFlags>;
}

/** The method choice of the commands that differentiate by one method. */
export function methodOption<T>(y: Argv<T>, all: boolean): Argv<T & { method: Method | 'all' }> {
  return y.option('method', {
    alias: 'm',
    choices: all ? [...METHODS, 'all'] : [...METHODS],
    default: 'reverse',
    describe: all ? 'How to differentiate; all runs the four methods side by side' : 'How to differentiate',
  }) as unknown as Argv<T & { method: Method | 'all' }>;
}

export interface SuiteArgs {
  quick: boolean;
  workloads?: string;
  methods?: string;
  sizes?: string;
  budget?: number;
  json: boolean;
}

export interface ReportArgs extends SuiteArgs {
  out: string;
  format?: string;
  sections?: string;
  scaleK: number;
  peers?: string;
  native?: string;
}

/** The largest size `--sizes` takes: the suite's largest documented size (`--scale-k 10000000`). */
export const MAX_SUITE_SIZE = 1e7;

/**
 * `--sizes` as numbers: positive integers up to MAX_SUITE_SIZE (1e20 failed inside a section with an uncoded
 * 'Invalid array length' after the run had started).
 */
export function parseSizes(text: string | undefined): number[] | undefined {
  const sizes = text
    ?.split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map(Number);
  if (sizes?.some((k) => !Number.isInteger(k) || k < 1 || k > MAX_SUITE_SIZE))
    throw new UsageError(`--sizes: expected positive integers up to ${MAX_SUITE_SIZE}, got ${text}`);
  // Smallest first, each once: a budget stops growing a size, so `--sizes 4096,8` must not leave 8 out.
  return sizes?.length ? [...new Set(sizes)].sort((a, b) => a - b) : undefined;
}

/** `report --scale-k`: 0 (none) or a size up to MAX_SUITE_SIZE (10⁹ ran until killed). */
export function scaleK(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_SUITE_SIZE)
    throw new UsageError(`--scale-k: expected an integer from 0 to ${MAX_SUITE_SIZE}, got ${value}`);
  return value;
}

/** The options the suite commands (report, bench) share. */
export function suiteOptions<T>(y: Argv<T>): Argv<T & SuiteArgs> {
  return y
    .option('quick', {
      type: 'boolean',
      default: false,
      describe: 'Tiny sizes and short timings (seconds, for a smoke test)',
    })
    .option('workloads', {
      type: 'string',
      describe: 'Workloads to run, comma-separated (default: the suite’s)',
    })
    .option('methods', { type: 'string', describe: 'Methods to time, comma-separated (default: all four)' })
    .option('sizes', {
      type: 'string',
      describe:
        'Sizes, comma-separated. scaling: K, the inputs (default: powers of two up to the budget); performance ' +
        '(its cheap-gradient table) and sparsity: K; swell: K for a size workload, the depth n for a depth ' +
        'workload; memory: the depth; jacobian-shape: n and m of its grid. accuracy, mixed, gradbench and native ' +
        'keep their own sizes',
    })
    .option('budget', {
      type: 'number',
      coerce: positive('budget'),
      describe:
        'In ms, for the sections that grow sizes: once measuring a workload has taken longer in all, its larger ' +
        'sizes are not measured (scaling: per workload and method, default 1500; jacobian-shape: its n)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print JSON to standard output',
    }) as unknown as Argv<T & SuiteArgs>;
}

/** The options that take several values: the positional expressions and yargs' own list of the rest. */
const LIST_OPTIONS = new Set(['_', 'exprs']);

/**
 * Refuses a flag given twice with different values (`--at x=1 --at x=2`): yargs collects the values into an
 * array, which a command would otherwise read as one value (a crash) or pick from (silently). The same value
 * twice, as a script that appends a flag may give it, says one thing and stands.
 */
export function refuseRepeatedFlags(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (!Array.isArray(value) || LIST_OPTIONS.has(key)) continue;
    if (value.every((v) => v === value[0])) {
      argv[key] = value[0];
      continue;
    }
    // yargs keeps each alias and a camelCase copy: the message names the long, dashed spelling.
    const name = key.length === 1 || /[A-Z]/.test(key) ? undefined : key;
    if (name === undefined) continue;
    throw new UsageError(`--${name} is given twice or more, with different values (${value.join(', ')})`);
  }
}
