/**
 * The symbolic method: build derivative expressions once per program (with either engine), then evaluate
 * them at each point with the primal sweep.
 */
import {
  backendOf,
  type Differentiator,
  emptyStats,
  now,
  programCost,
  type Result,
  requireScalar,
  type Stats,
  vectorOf,
} from '../ir/differentiator.js';
import { DifflabError } from '../ir/errors.js';
import { unrollFor } from '../ir/loop.js';
import { asDerivatives } from '../ir/ops.js';
import type { Program } from '../ir/program.js';
import { primalSweep, valueBuffer } from '../sweeps/index.js';
import { type GraphDerivativeKind, graphDerivative } from './graph-engine.js';
import { mathjsDerivativeProgram } from './mathjs-engine.js';
import {
  budgetError,
  type ResolvedOptions,
  resolveOptions,
  type SymbolicOptions,
  sizeDetail,
} from './options.js';

/** A derivative program built for one program, engine and kind, with what building it cost. */
interface Built {
  /** Inputs: f's variables, then `seeds` more (vjp: m, jvp: n). */
  readonly program: Program<Float64Array>;
  readonly seeds: number;
  /** What the budget was compared with when it was built. */
  readonly budgeted: number;
  readonly buildOps: number;
  readonly buildTime: number;
  readonly bytes: number;
  readonly details: Record<string, number | string>;
}

const cache = new WeakMap<Program, Map<string, Built>>();

/** The derivative program of f for this kind of product, from the cache or built now. */
function derivativeOf(
  f: Program,
  kind: GraphDerivativeKind,
  o: ResolvedOptions,
): { built: Built; cached: boolean } {
  // The mathjs engine builds the Jacobian and serves jvp and vjp from it.
  const k = o.engine === 'mathjs' ? 'jacobian' : kind;
  const key = `${o.engine}:${k}:${o.engine === 'mathjs' && o.simplify ? 'simplify' : ''}`;
  let perProgram = cache.get(f);
  const hit = o.cache ? perProgram?.get(key) : undefined;
  if (hit !== undefined) {
    if (hit.budgeted > o.budget) {
      throw budgetError(`the ${o.engine} engine's derivative (built earlier)`, hit.budgeted, o.budget);
    }
    return { built: hit, cached: true };
  }
  const built = build(f, k, o);
  if (o.cache) {
    if (perProgram === undefined) {
      perProgram = new Map();
      cache.set(f, perProgram);
    }
    perProgram.set(key, built);
  }
  return { built, cached: false };
}

function build(f: Program, kind: GraphDerivativeKind, o: ResolvedOptions): Built {
  const start = now();
  if (o.engine === 'graph') {
    const d = graphDerivative(f, { kind, budget: o.budget });
    return {
      program: d.program,
      seeds: d.seeds.length,
      budgeted: d.built,
      buildOps: d.built,
      buildTime: now() - start,
      bytes: d.bytes,
      details: { treeSize: sizeDetail(d.treeSize), dagSize: d.dagSize, built: d.built },
    };
  }
  const {
    derivatives: d,
    program,
    bytes,
  } = mathjsDerivativeProgram(f, {
    simplify: o.simplify,
    budget: o.budget,
    simplifyBudget: o.simplifyBudget,
  });
  return {
    program,
    seeds: 0,
    budgeted: d.treeSize,
    buildOps: d.created,
    buildTime: now() - start,
    bytes,
    details: {
      treeSize: d.treeSize,
      dagSize: d.dagSize,
      built: d.created,
      objects: d.objects,
      functionTreeSize: d.functionTreeSize,
      simplify: d.simplified ? 1 : 0,
    },
  };
}

/**
 * Evaluates the derivative program at x (and the seed vector, if any): the outputs, and the call's stats.
 * With `check`, f itself is evaluated first with checking (naming a non-finite subexpression), and a
 * non-finite derivative entry is an error.
 */
function run(
  f: Program,
  x: ArrayLike<number>,
  kind: GraphDerivativeKind,
  seed: Float64Array | undefined,
  options: SymbolicOptions | undefined,
): { out: Float64Array; stats: Stats; o: ResolvedOptions; start: number } {
  const start = now();
  const o = resolveOptions(options);
  // Symbolic derivatives are of the unrolled loops (that is the swell they show).
  f = unrollFor(f, 'symbolic differentiation');
  const point = vectorOf(x, f.variables.length, 'the point');
  const { built, cached } = derivativeOf(f, kind, o);
  const stats = emptyStats();
  if (o.check) {
    primalSweep(f, point, new Float64Array(f.size), true);
    stats.ops += programCost(f).nodes;
  }
  const p = built.program;
  let input: Float64Array = point;
  if (built.seeds > 0) {
    input = new Float64Array(point.length + built.seeds);
    input.set(point);
    input.set(seed as Float64Array, point.length);
  }
  const v = primalSweep(p, input, valueBuffer(p), false, backendOf(options));
  // A derivative is finite or NaN in every exact method (ops.ts).
  const out = asDerivatives(Float64Array.from(p.outputs, (i) => v[i] as number));
  const evalOps = programCost(p).nodes;
  stats.ops += evalOps + (cached ? 0 : built.buildOps);
  stats.evaluations = 1;
  stats.bytes = built.bytes + 8 * p.size;
  stats.details = {
    engine: o.engine,
    cached: cached ? 1 : 0,
    ...built.details,
    evalOps,
    budget: o.budget,
    ...(cached ? {} : { buildTime: built.buildTime }),
  };
  return { out, stats, o, start };
}

/** Throws `non-finite` for the first NaN or ±∞ entry of a derivative, when checking. */
function checkFinite(values: Float64Array, o: ResolvedOptions, what: (k: number) => string): void {
  if (!o.check) return;
  const k = values.findIndex((v) => !Number.isFinite(v));
  if (k >= 0) throw new DifflabError('non-finite', `${what(k)} evaluates to ${values[k]}`);
}

/** Splits a row-major m·n array into m rows. */
function rows(flat: Float64Array, m: number, n: number): Float64Array[] {
  return Array.from({ length: m }, (_, i) => flat.slice(i * n, (i + 1) * n));
}

const partialName = (f: Program) => (k: number) => {
  const n = f.variables.length;
  const i = Math.floor(k / n);
  const name = f.variables[k % n];
  return f.outputs.length === 1 ? `∂f/∂${name}` : `∂f${i + 1}/∂${name}`;
};

/**
 * Symbolic differentiation: derivative expressions built once per program (mathjs trees by default, or the
 * shared DAG with `engine: 'graph'`), cached, and evaluated at each point.
 *
 * @example
 * const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
 * symbolic.gradient(f, [3, 4]).value;                      // Float64Array [52, 84]
 * symbolic.gradient(f, [3, 4], { engine: 'graph' }).value; // the same, from the DAG
 */
export const symbolic: Differentiator<SymbolicOptions> = {
  method: 'symbolic',

  gradient(f, x, options): Result<Float64Array> {
    requireScalar(f);
    const { out, stats, o, start } = run(f, x, 'jacobian', undefined, options);
    checkFinite(out, o, partialName(f));
    stats.time = now() - start;
    return { value: out, stats };
  },

  jacobian(f, x, options): Result<Float64Array[]> {
    const { out, stats, o, start } = run(f, x, 'jacobian', undefined, options);
    checkFinite(out, o, partialName(f));
    const value = rows(out, f.outputs.length, f.variables.length);
    stats.time = now() - start;
    return { value, stats };
  },

  jvp(f, x, v, options): Result<Float64Array> {
    const tangent = vectorOf(v, f.variables.length, 'the tangent v');
    return product(f, x, 'jvp', tangent, options, (i) => `(J·v)[${i}]`);
  },

  vjp(f, x, u, options): Result<Float64Array> {
    const cotangent = vectorOf(u, f.outputs.length, 'the cotangent u');
    return product(f, x, 'vjp', cotangent, options, (j) => `(uᵀJ)[${j}]`);
  },
};

/**
 * J·v or uᵀJ. The mathjs engine contracts its Jacobian with the seed. The graph engine's product program takes
 * the seed as inputs, so a zero component times an infinite partial is NaN there, where the zero-factor rule
 * (ops.ts) has the component touch nothing (∂(2a, √a)/∂a along u = (1, 0) at a = 0 is 2, as reverse mode
 * gives). Where its result is not finite and the seed has a zero component, the Jacobian, contracted under the
 * rule, decides; a finite result is the rule's already (a zero component times a finite partial adds a zero).
 */
function product(
  f: Program,
  x: ArrayLike<number>,
  kind: 'jvp' | 'vjp',
  seed: Float64Array,
  options: SymbolicOptions | undefined,
  name: (i: number) => string,
): Result<Float64Array> {
  const { out, stats, o, start } = run(f, x, kind, seed, options);
  const m = f.outputs.length;
  const n = f.variables.length;
  let value = out;
  if (o.engine === 'mathjs') {
    value = contract(out, seed, m, n, kind);
    stats.ops += m * n;
  } else if (seed.includes(0) && !out.every(Number.isFinite)) {
    const J = run(f, x, 'jacobian', undefined, options);
    value = contract(J.out, seed, m, n, kind);
    stats.ops += J.stats.ops + m * n;
    stats.evaluations += J.stats.evaluations;
  }
  asDerivatives(value);
  checkFinite(value, o, name);
  stats.time = now() - start;
  return { value, stats };
}

/**
 * J·v (jvp) or uᵀJ (vjp) from the Jacobian's m·n entries (row by row), one multiply–add per entry; a zero
 * component of the seed touches nothing (the zero-factor rule, as forward and reverse mode have it).
 */
function contract(
  J: Float64Array,
  seed: Float64Array,
  m: number,
  n: number,
  kind: 'jvp' | 'vjp',
): Float64Array {
  const value = new Float64Array(kind === 'jvp' ? m : n);
  for (let i = 0; i < m; i++) {
    if (kind === 'vjp' && seed[i] === 0) continue;
    for (let j = 0; j < n; j++) {
      if (kind === 'jvp' && seed[j] === 0) continue;
      const p = (J[i * n + j] as number) * (seed[kind === 'jvp' ? j : i] as number);
      if (kind === 'jvp') value[i] = (value[i] as number) + p;
      else value[j] = (value[j] as number) + p;
    }
  }
  return value;
}
