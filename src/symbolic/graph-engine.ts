/**
 * The graph engine: symbolic derivatives on the shared, hash-consed DAG (Laue 2019, "On the equivalence of
 * automatic and symbolic differentiation"). The program is copied into a fresh graph; then adjoint expressions
 * are built in reverse program order from each op's generic partial rules run over node ids, and accumulated
 * with `add`. Hash-consing makes equal subterms one node, so the derivative DAG grows like the program (as
 * reverse mode's tape does), where a tree would repeat them. Every loop runs over the program order: nothing
 * recurses, so a chain of a million operations differentiates.
 */
import { Graph } from '../ir/graph.js';
import { unrollFor } from '../ir/loop.js';
import { metrics } from '../ir/metrics.js';
import { type Algebra, type FixedOpDef, type NaryOpDef, OP_DEFS } from '../ir/ops.js';
import { buildProgram, type Program } from '../ir/program.js';
import { graphAlgebra } from './graph-algebra.js';
import { budgetError, DEFAULT_BUDGET } from './options.js';

/**
 * What to build: the Jacobian (the gradient when f has one output), a vector–Jacobian product uᵀJ, or a
 * Jacobian–vector product J·v, the last two with the vector as symbolic inputs so one build serves every u or v.
 */
export type GraphDerivativeKind = 'jacobian' | 'vjp' | 'jvp';

export interface GraphDerivativeOptions {
  /** Default 'jacobian'. */
  kind?: GraphDerivativeKind;
  /** The most DAG nodes the differentiation may add (default 1e7). */
  budget?: number;
}

export interface GraphDerivative {
  readonly kind: GraphDerivativeKind;
  /**
   * The derivative as one program. Inputs: f's variables, then the seeds (u₁..u_m for vjp, v₁..v_n for jvp).
   * Outputs: for 'jacobian' the m·n entries row by row (∂fᵢ/∂xⱼ at i·n + j); for 'vjp' the n entries of uᵀJ;
   * for 'jvp' the m entries of J·v.
   */
  readonly program: Program<Float64Array>;
  /** Names of the seed inputs that follow f's variables (empty for 'jacobian'). */
  readonly seeds: readonly string[];
  /** Nodes of the derivative program (constants, inputs, operations): its size with sharing. */
  readonly dagSize: number;
  /** Nodes its outputs would have as trees with no sharing, summed over the outputs (exact). */
  readonly treeSize: bigint;
  /** Nodes the differentiation added to the graph beyond the copy of f (what the budget limits). */
  readonly built: number;
  /** Estimated bytes held while building: the graph's typed arrays and hash table, plus the program. */
  readonly bytes: number;
}

/**
 * Differentiates `f` on its DAG and returns the derivative program and its sizes.
 *
 * @example
 * const d = graphDerivative(parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)'));
 * evaluate(d.program, [3, 4]); // Float64Array [52, 84]
 */
export function graphDerivative(f: Program, options: GraphDerivativeOptions = {}): GraphDerivative {
  // The graph engine differentiates flat programs: loops unrolled (within unrollFor's budget).
  f = unrollFor(f, 'the graph engine');
  const kind = options.kind ?? 'jacobian';
  const s = new Session(f, options.budget ?? DEFAULT_BUDGET.graph);
  const n = f.variables.length;
  const m = f.outputs.length;
  const outputs: number[] = [];
  let seeds: string[] = [];
  if (kind === 'jacobian') {
    for (let r = 0; r < m; r++) {
      const adjoint = s.backward([[f.outputs[r] as number, s.A.num(1)]]);
      for (let j = 0; j < n; j++) outputs.push(s.orZero(adjoint[f.inputStart + j] as number));
    }
  } else if (kind === 'vjp') {
    seeds = seedNames(f, 'u', m);
    const adjoint = s.backward(seeds.map((name, r) => [f.outputs[r] as number, s.g.variable(name)]));
    for (let j = 0; j < n; j++) outputs.push(s.orZero(adjoint[f.inputStart + j] as number));
  } else {
    seeds = seedNames(f, 'v', n);
    const tangent = s.forward(seeds.map((name) => s.g.variable(name)));
    for (let r = 0; r < m; r++) outputs.push(s.orZero(tangent[f.outputs[r] as number] as number));
  }
  const program = buildProgram(s.g, outputs, false, {
    variables: [...f.variables, ...seeds],
  }) as Program<Float64Array>;
  const sizes = metrics(program);
  return {
    kind,
    program,
    seeds,
    dagSize: program.size,
    treeSize: sizes.treeSize,
    built: s.g.size - s.start,
    bytes: graphBytes(s.g) + program.bytes,
  };
}

/** One differentiation: f copied into a fresh graph, and the sweeps that build adjoints or tangents in it. */
class Session {
  readonly g = new Graph();
  readonly A: Algebra<number>;
  /** Graph id of each program node. */
  readonly node: Int32Array;
  /** Graph size after the copy of f: nodes past it were built by differentiating. */
  readonly start: number;
  private readonly zero: number;

  constructor(
    readonly f: Program,
    private readonly budget: number,
  ) {
    this.A = graphAlgebra(this.g);
    this.node = new Int32Array(f.size);
    const { g, node } = this;
    for (let i = 0; i < f.size; i++) {
      if (i < f.inputStart) node[i] = g.constant(f.constants[f.a[i] as number] as number);
      else if (i < f.opStart) node[i] = g.variable(f.variables[f.a[i] as number] as string);
      else {
        const code = f.op[i] as number;
        const def = OP_DEFS[code] as FixedOpDef | NaryOpDef;
        if (def.arity === 'n') {
          const start = f.a[i] as number;
          const ids = new Int32Array(f.b[i] as number);
          for (let k = 0; k < ids.length; k++) ids[k] = node[f.args[start + k] as number] as number;
          node[i] = g.applyN(code, ids);
        } else {
          node[i] = g.apply(
            code,
            node[f.a[i] as number] as number,
            def.arity === 2 ? (node[f.b[i] as number] as number) : 0,
          );
        }
      }
    }
    this.zero = g.constant(0);
    this.start = g.size;
  }

  /** `id`, or the constant 0 for "no derivative" (−1). */
  orZero(id: number): number {
    return id < 0 ? this.zero : id;
  }

  /**
   * The reverse sweep: adjoint expressions of every node (−1 where there is none), from adjoint seeds on
   * output nodes. A node with no adjoint contributes nothing; every other term, even a constant-zero adjoint
   * or partial, is built (the zero-factor rule of ops.ts: 0·∞ is NaN, as the numeric sweeps give it).
   */
  backward(seeds: readonly (readonly [node: number, seed: number])[]): Int32Array {
    const { f, A } = this;
    const adjoint = new Int32Array(f.size).fill(-1);
    const accumulate = (k: number, term: number) => {
      const prev = adjoint[k] as number;
      adjoint[k] = prev < 0 ? term : A.add(prev, term);
    };
    let top = -1;
    for (const [o, seed] of seeds) {
      accumulate(o, seed);
      top = Math.max(top, o);
    }
    for (let i = top; i >= f.opStart; i--) {
      const w = adjoint[i] as number;
      if (w < 0) continue;
      this.partials(i, alwaysWanted, (arg, p) => accumulate(arg, A.mul(w, p)));
      this.checkBudget();
    }
    return adjoint;
  }

  /** The forward sweep: tangent expressions of every node (−1 where there is none), from input tangents. */
  forward(inputTangents: readonly number[]): Int32Array {
    const { f, A } = this;
    const tangent = new Int32Array(f.size).fill(-1);
    inputTangents.forEach((t, j) => {
      tangent[f.inputStart + j] = t;
    });
    // A node with a tangent (a constant zero included) is reached; one without is not (ops.ts).
    const live = (arg: number) => (tangent[arg] as number) >= 0;
    for (let i = f.opStart; i < f.size; i++) {
      let t = -1;
      this.partials(i, live, (arg, p) => {
        const term = A.mul(p, tangent[arg] as number);
        t = t < 0 ? term : A.add(t, term);
      });
      tangent[i] = t;
      this.checkBudget();
    }
    return tangent;
  }

  /**
   * Calls `emit(argument, partial)` for each argument of op node `i` that `wanted` accepts, with its partial
   * from the op table, over graph ids (a constant 0 too: see {@link backward}).
   */
  private partials(
    i: number,
    wanted: (arg: number) => boolean,
    emit: (arg: number, partial: number) => void,
  ): void {
    const { f, A, node } = this;
    const def = OP_DEFS[f.op[i] as number] as FixedOpDef | NaryOpDef;
    const z = node[i] as number;
    if (def.arity === 'n') {
      const start = f.a[i] as number;
      const count = f.b[i] as number;
      let args: number[] | undefined;
      for (let k = 0; k < count; k++) {
        const arg = f.args[start + k] as number;
        if (!wanted(arg)) continue;
        args ??= Array.from(f.args.subarray(start, start + count), (a) => node[a] as number);
        emit(arg, def.partial(A, args, z, k));
      }
      return;
    }
    const a = f.a[i] as number;
    const b = def.arity === 2 ? (f.b[i] as number) : a;
    const x = node[a] as number;
    const y = node[b] as number;
    for (let k = 0; k < def.arity; k++) {
      const arg = k === 0 ? a : b;
      if (!wanted(arg)) continue;
      emit(arg, (def.partials[k] as FixedOpDef['partials'][number])(A, x, y, z));
    }
  }

  private checkBudget(): void {
    const built = this.g.size - this.start;
    if (built > this.budget) {
      throw budgetError(
        `the graph engine's derivative DAG (for a program of ${this.f.size} nodes)`,
        built,
        this.budget,
      );
    }
  }
}

const alwaysWanted = () => true;

/** Names for seed inputs, `u1..um` style, made distinct from f's variables. */
function seedNames(f: Program, letter: string, count: number): string[] {
  let prefix = `${letter}#`;
  while (f.variables.some((v) => v.startsWith(prefix))) prefix += '#';
  return Array.from({ length: count }, (_, k) => `${prefix}${k + 1}`);
}

/**
 * Bytes of a graph: its typed arrays at their capacity, its hash table (a power of two ≥ 2·size slots), and
 * about 64 bytes per variable name.
 */
function graphBytes(g: Graph): number {
  let slots = 2048;
  while (2 * g.size > slots) slots *= 2;
  return (
    g.op.byteLength +
    g.a.byteLength +
    g.b.byteLength +
    g.constants.byteLength +
    g.pool.byteLength +
    4 * slots +
    64 * g.names.length
  );
}
