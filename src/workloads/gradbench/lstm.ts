/**
 * GradBench lstm: the loss of a diagonal LSTM language model over a bit-encoded text (ADBench LSTM). Layer j
 * uses weight row main_params[2j] and bias row main_params[2j+1], four blocks of b (forget, input, output,
 * change); the state carries from step to step; extra_params are the input weight, output weight and output
 * bias. Per step t: v = sequence[t] ⊙ w_in; per layer f = σ(v·W_f + B_f), a = σ(h·W_i + B_i),
 * o = σ(v·W_o + B_o), z = tanh(h·W_c + B_c), g ← g·f + a·z, h ← o·tanh g, v ← h; ŷ = v ⊙ w_out + b_out;
 * λ = log(2 + Σ exp ŷ) (ADBench's "+ 2", no max shift); total += Σ sequence[t+1] ⊙ (ŷ − λ).
 * The loss is −total / ((c − 1)·b). The variables are main_params then extra_params, row by row; the state
 * and the sequence are constants. The program is a scan over the c − 1 steps: its carry holds the layers'
 * hidden and cell states and the running total, its rows the characters and their successors.
 */
import { programCost } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { dot, type Expr, type Operand, sum, withGraph } from '../../ir/graph.js';
import { scan } from '../../ir/loop.js';
import { type Program, program } from '../../ir/program.js';
import { jsonArray, matrix, num, objectInput } from './input.js';
import { variables } from './scalar.js';
import type { GradbenchEval } from './types.js';

export interface LstmInput {
  mainParams: Float64Array[];
  extraParams: Float64Array[];
  state: Float64Array[];
  sequence: Float64Array[];
  /** Layers. */
  l: number;
  /** Entries per block (bits per character). */
  b: number;
  /** Characters. */
  c: number;
}

export interface LstmWorkload {
  readonly f: Program<number>;
  readonly x: Float64Array;
}

export const lstm: GradbenchEval<LstmInput, LstmWorkload> = {
  name: 'lstm',
  functions: ['objective', 'jacobian'],
  primal: 'objective',
  derivatives: ['jacobian'],
  nested: false,
  read(input) {
    const o = objectInput(input, ['main_params', 'extra_params', 'state', 'sequence']);
    const mainParams = matrix(o.main_params, 'main_params');
    const rows = mainParams.length;
    const width = mainParams[0]?.length ?? 0;
    if (rows === 0 || rows % 2 !== 0 || width === 0 || width % 4 !== 0) {
      throw new DifflabError(
        'invalid-argument',
        'input main_params: expected 2l rows of 4b numbers (l ≥ 1, b ≥ 1)',
      );
    }
    const b = width / 4;
    const sequence = matrix(o.sequence, 'sequence', undefined, b);
    if (sequence.length < 2)
      throw new DifflabError('invalid-argument', 'input sequence: expected at least 2 rows');
    return {
      mainParams,
      extraParams: matrix(o.extra_params, 'extra_params', 3, b),
      state: matrix(o.state, 'state', rows, b),
      sequence,
      l: rows / 2,
      b,
      c: sequence.length,
    };
  },
  estimate: ({ l, b, c }) => ({
    nodes: c * b * (16 * l + 8),
    edges: c * b * (30 * l + 14),
    built: b * (16 * l + 8) + 2 * l * b,
    inputs: 8 * l * b + 3 * b,
    outputs: 1,
    evaluations: 1,
  }),
  prepare(input) {
    const { l, b, c } = input;
    return withGraph(() => {
      const main = variables('main_params', 2 * l * 4 * b);
      const extra = variables('extra_params', 3 * b);
      const w = (layer: number, block: number, i: number) => main[2 * layer * 4 * b + block * b + i] as Expr;
      const bias = (layer: number, block: number, i: number) =>
        main[(2 * layer + 1) * 4 * b + block * b + i] as Expr;
      const inW = extra.slice(0, b);
      const outW = extra.slice(b, 2 * b);
      const outB = extra.slice(2 * b, 3 * b);
      // The carry: every layer's hidden state, then every layer's cell state, then the running total.
      const init: Operand[] = [];
      for (let j = 0; j < l; j++) init.push(...(input.state[2 * j] as Float64Array));
      for (let j = 0; j < l; j++) init.push(...(input.state[2 * j + 1] as Float64Array));
      init.push(0);
      // Row t: the character at t, then the one after it (the target).
      const rows: number[][] = [];
      for (let t = 0; t < c - 1; t++)
        rows.push([...(input.sequence[t] as Float64Array), ...(input.sequence[t + 1] as Float64Array)]);
      const { carry } = scan(init, rows, (state, row) => {
        const hidden = Array.from({ length: l }, (_, j) => state.slice(j * b, (j + 1) * b));
        const cell = Array.from({ length: l }, (_, j) => state.slice((l + j) * b, (l + j + 1) * b));
        let v = row.slice(0, b).map((s, i) => s.mul(inW[i] as Expr));
        for (let j = 0; j < l; j++) {
          const h = hidden[j] as Expr[];
          const g = cell[j] as Expr[];
          for (let i = 0; i < b; i++) {
            // Block k of layer j's weights and biases applied to x, entry i.
            const affine = (x: Expr, k: number) => x.mul(w(j, k, i)).add(bias(j, k, i));
            const forget = affine(v[i] as Expr, 0).sigmoid();
            const ingate = affine(h[i] as Expr, 1).sigmoid();
            const outgate = affine(v[i] as Expr, 2).sigmoid();
            const change = affine(h[i] as Expr, 3).tanh();
            g[i] = (g[i] as Expr).mul(forget).add(ingate.mul(change));
            h[i] = outgate.mul((g[i] as Expr).tanh());
          }
          v = h.slice();
        }
        const yhat = v.map((vi, i) => vi.mul(outW[i] as Expr).add(outB[i] as Expr));
        const lambda = sum(yhat.map((y) => y.exp()))
          .add(2)
          .log();
        const total = (state[2 * l * b] as Expr).add(
          dot(
            row.slice(b),
            yhat.map((y) => y.sub(lambda)),
          ),
        );
        return [...hidden.flat(), ...cell.flat(), total];
      });
      const loss = (carry[2 * l * b] as Expr).neg().div((c - 1) * b);
      const x = new Float64Array(main.length + extra.length);
      for (const [r, row] of input.mainParams.entries()) x.set(row, r * 4 * b);
      for (const [r, row] of input.extraParams.entries()) x.set(row, main.length + r * b);
      return { f: program(loss, { variables: [...main, ...extra] }), x };
    });
  },
  cost(w) {
    return { ...programCost(w.f), inputs: w.x.length, outputs: 1, evaluations: 1 };
  },
  run(fn, w, engine) {
    return fn === 'objective' ? engine.evaluate(w.f, w.x) : engine.gradient(w.f, w.x);
  },
  output(fn, raw) {
    return fn === 'objective' ? num(raw, 'the loss') : jsonArray(raw as Float64Array, 'the gradient');
  },
};
