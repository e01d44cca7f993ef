/**
 * Options of the symbolic method, their defaults, and the errors every engine raises the same way.
 */
import type { CommonOptions } from '../ir/differentiator.js';
import { DifflabError } from '../ir/errors.js';

/** How derivative expressions are built: as mathjs trees, or on difflab's shared DAG. */
export type SymbolicEngine = 'mathjs' | 'graph';

export interface SymbolicOptions extends CommonOptions {
  /**
   * `'mathjs'` (the default): mathjs's `derivative()` per output and input, giving expression trees that repeat
   * equal subterms. `'graph'`: the op table's partials run over the hash-consed DAG, so equal subterms are
   * one node (Laue 2019: this is reverse mode, written as expressions).
   *
   * The default is `'mathjs'` because that is what DESIGN.md promises for the `symbolic` method ("derivative
   * expressions via mathjs expression trees, and, for contrast, over the shared DAG"; cost "O(K·N) and
   * worse"): a user who compares methods expects the symbolic row to show classic symbolic differentiation and
   * its expression swell, not reverse mode in disguise. Pass `engine: 'graph'` for large or deep functions.
   */
  engine?: SymbolicEngine;
  /** mathjs engine: run mathjs's `simplify` on each derivative (after the kink fixes). Default false. */
  simplify?: boolean;
  /**
   * mathjs engine with `simplify`: the largest derivative tree (nodes, counting repeats) handed to mathjs's
   * simplify, default 1,000; a larger one stops with a `budget` error before simplifying. simplify's time
   * grows much faster than the tree (6 s at 1,000 nodes, over 2 minutes at the logistic map's depth 8).
   */
  simplifyBudget?: number;
  /**
   * The most expression nodes a build may make before it stops with a `budget` error: derivative-tree nodes
   * (counting repeats) for mathjs, default 1e6; new DAG nodes for the graph engine, default 1e7.
   */
  budget?: number;
  /**
   * Reuse the derivative built for this program by an earlier call with the same engine (default true). The
   * first call's time and ops include the build; `details.cached` says whether a call reused one.
   */
  cache?: boolean;
}

/**
 * The default engine (see {@link SymbolicOptions.engine} for why). Kept as a constant so the choice is one
 * line to change.
 */
export const DEFAULT_ENGINE: SymbolicEngine = 'mathjs';

/** Default node budgets per engine. */
export const DEFAULT_BUDGET: { readonly [E in SymbolicEngine]: number } = { mathjs: 1e6, graph: 1e7 };

/** Default {@link SymbolicOptions.simplifyBudget}. */
export const DEFAULT_SIMPLIFY_BUDGET = 1000;

export interface ResolvedOptions {
  readonly engine: SymbolicEngine;
  readonly simplify: boolean;
  readonly budget: number;
  readonly simplifyBudget: number;
  readonly check: boolean;
  readonly cache: boolean;
}

/** Checks the options and fills in the defaults. */
export function resolveOptions(options: SymbolicOptions | undefined): ResolvedOptions {
  const o = options ?? {};
  if (typeof o !== 'object')
    throw new DifflabError('invalid-argument', 'symbolic: options must be an object');
  const engine = o.engine ?? DEFAULT_ENGINE;
  if (engine !== 'mathjs' && engine !== 'graph') {
    throw new DifflabError(
      'invalid-argument',
      `symbolic: engine must be 'mathjs' or 'graph', got '${String(engine)}'`,
    );
  }
  const budget = o.budget ?? DEFAULT_BUDGET[engine];
  if (typeof budget !== 'number' || !(budget > 0)) {
    throw new DifflabError(
      'invalid-argument',
      `symbolic: budget must be a positive number, got ${String(budget)}`,
    );
  }
  const simplifyBudget = o.simplifyBudget ?? DEFAULT_SIMPLIFY_BUDGET;
  if (typeof simplifyBudget !== 'number' || !(simplifyBudget > 0)) {
    throw new DifflabError(
      'invalid-argument',
      `symbolic: simplifyBudget must be a positive number, got ${String(simplifyBudget)}`,
    );
  }
  return {
    engine,
    simplify: o.simplify === true,
    budget,
    simplifyBudget,
    check: o.check === true,
    cache: o.cache !== false,
  };
}

/** A `budget` error: what grew, how big it got, and how to go on. */
export function budgetError(
  what: string,
  size: number | bigint,
  budget: number,
  hint = '',
  verb = 'reached',
  option = 'budget',
): DifflabError {
  return new DifflabError(
    'budget',
    `${what} ${verb} ${formatCount(size)} nodes, over the ${option} of ${budget}; ` +
      `pass a larger { ${option} } to allow it${hint}`,
  );
}

/** A count for messages: exact below a million, else in engineering form (2.1e+07). */
export function formatCount(n: number | bigint): string {
  const v = Number(n);
  return v < 1e6 ? String(n) : v.toExponential(2);
}

/** A size for `Stats.details`: a number while exact, else the exact decimal string. */
export function sizeDetail(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}
