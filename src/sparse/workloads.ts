/**
 * Workloads with sparse derivatives: banded (a discretised PDE residual, extended Rosenbrock) and block-sparse
 * (a bundle-adjustment-shaped residual). Each builds its program at size K in a graph of its own.
 */
import { type Expr, exp, type Program, program, sum, variable, withGraph } from '../ir/index.js';
import { rosenbrock as rosenbrockWorkload } from '../workloads/rosenbrock.js';

/** A family of sparse Jacobians (vector output) or sparse Hessians (scalar output) of size K. */
export interface SparseWorkload {
  readonly name: string;
  readonly description: string;
  /** Which derivative the workload is for. */
  readonly kind: 'jacobian' | 'hessian';
  /** The number of inputs at size K (K rounded to the workload's structure). */
  inputs(K: number): number;
  build(K: number): Program;
  /** A deterministic point (length `inputs(K)`). */
  point(K: number): Float64Array;
}

const vars = (n: number): Expr[] => Array.from({ length: n }, (_, i) => variable(`x${i}`));

const wave = (n: number, scale: number, shift = 0): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => shift + scale * Math.sin(i + 1));

/**
 * The 1-D Bratu residual r_i = x_{i−1} − 2x_i + x_{i+1} + λh²·e^{x_i} (λ = 1, h = 1/(K+1), x_{−1} = x_K = 0):
 * a tridiagonal Jacobian, 3 colours by rows or columns.
 */
export const bratu: SparseWorkload = {
  name: 'bratu',
  description: '1-D Bratu residual x_{i−1} − 2x_i + x_{i+1} + h²e^{x_i}: tridiagonal Jacobian',
  kind: 'jacobian',
  inputs: (K) => K,
  build(K: number): Program {
    return withGraph(() => {
      const x = vars(K);
      const h2 = 1 / (K + 1) ** 2;
      const r = x.map((xi, i) => {
        const terms: Expr[] = [xi.mul(-2), exp(xi).mul(h2)];
        if (i > 0) terms.push(x[i - 1] as Expr);
        if (i + 1 < K) terms.push(x[i + 1] as Expr);
        return sum(terms);
      });
      return program(r, { variables: x });
    });
  },
  point: (K) => wave(K, 0.5),
};

/** The side of the square grid of the 2-D workload at size K: ⌊√K⌋ (at least 1). */
export const gridSide = (K: number): number => Math.max(1, Math.floor(Math.sqrt(K)));

/**
 * A 2-D Laplacian on an s × s grid with a cubic term, r_ij = 4u_ij − (the four neighbours) + h²u_ij³
 * (zero outside): a five-point-stencil Jacobian (at least 5 column colours).
 */
export const laplace2d: SparseWorkload = {
  name: 'laplace2d',
  description: '2-D Laplacian with a cubic term on a ⌊√K⌋² grid: five-point-stencil Jacobian',
  kind: 'jacobian',
  inputs: (K) => gridSide(K) ** 2,
  build(K: number): Program {
    return withGraph(() => {
      const s = gridSide(K);
      const u = vars(s * s);
      const h2 = 1 / (s + 1) ** 2;
      const at = (i: number, j: number): Expr | undefined =>
        i < 0 || j < 0 || i >= s || j >= s ? undefined : u[i * s + j];
      const r: Expr[] = [];
      for (let i = 0; i < s; i++) {
        for (let j = 0; j < s; j++) {
          const c = at(i, j) as Expr;
          const terms: Expr[] = [c.mul(4), c.pow(3).mul(h2)];
          for (const nb of [at(i - 1, j), at(i + 1, j), at(i, j - 1), at(i, j + 1)]) {
            if (nb !== undefined) terms.push(nb.neg());
          }
          r.push(sum(terms));
        }
      }
      return program(r, { variables: u });
    });
  },
  point: (K) => wave(gridSide(K) ** 2, 0.5),
};

/** Blocks of the bundle workloads at size K: one camera (3 parameters) and 10 points (2 each) per block. */
const BLOCK = 23;
const POINTS = 10;
export const bundleBlocks = (K: number): number => Math.max(1, Math.floor(K / BLOCK));

/**
 * The residuals of a bundle-adjustment-shaped problem: block b has camera b (f, k, t) and 10 points (p, q);
 * each point is seen by its block's camera and the next block's, and each observation gives two residuals
 * f·p/(1 + k·q²) + t − 1 and f·q/(1 + k·p²) − t. Each row has 5 nonzeros (a camera's 3, a point's 2).
 */
function bundleResiduals(K: number): { x: Expr[]; r: Expr[] } {
  const B = bundleBlocks(K);
  const x = vars(B * BLOCK);
  const r: Expr[] = [];
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < POINTS; p++) {
      const point = b * BLOCK + 3 + 2 * p;
      const [px, qx] = [x[point] as Expr, x[point + 1] as Expr];
      for (const cam of [b, (b + 1) % B]) {
        const [f, k, t] = [x[cam * BLOCK] as Expr, x[cam * BLOCK + 1] as Expr, x[cam * BLOCK + 2] as Expr];
        r.push(
          f
            .mul(px)
            .div(k.mul(qx.mul(qx)).add(1))
            .add(t)
            .sub(1),
        );
        r.push(
          f
            .mul(qx)
            .div(k.mul(px.mul(px)).add(1))
            .sub(t),
        );
      }
    }
  }
  return { x, r };
}

const bundlePoint = (K: number): Float64Array =>
  Float64Array.from({ length: bundleBlocks(K) * BLOCK }, (_, i) =>
    // Cameras (f, k, t) near (1, 0.1, 0); points in (−1, 1).
    i % BLOCK === 0 ? 1 + 0.1 * Math.sin(i) : i % BLOCK === 1 ? 0.1 + 0.05 * Math.cos(i) : Math.sin(i + 1),
  );

export const bundle: SparseWorkload = {
  name: 'bundle',
  description:
    'bundle-adjustment-shaped residuals (3-parameter cameras, 2-parameter points): block-sparse Jacobian',
  kind: 'jacobian',
  inputs: (K) => bundleBlocks(K) * BLOCK,
  build(K: number): Program {
    return withGraph(() => {
      const { x, r } = bundleResiduals(K);
      return program(r, { variables: x });
    });
  },
  point: bundlePoint,
};

/** ½‖r‖² of the bundle residuals: a block-sparse Hessian (cameras coupled with the points they see). */
export const bundleLsq: SparseWorkload = {
  name: 'bundle-lsq',
  description: '½‖r‖² of the bundle residuals: block-sparse Hessian',
  kind: 'hessian',
  inputs: (K) => bundleBlocks(K) * BLOCK,
  build(K: number): Program {
    return withGraph(() => {
      const { x, r } = bundleResiduals(K);
      return program(sum(r.map((ri) => ri.mul(ri))).mul(0.5), { variables: x });
    });
  },
  point: bundlePoint,
};

/** Extended Rosenbrock (the library's workload): a tridiagonal Hessian, 3 star colours. */
export const rosenbrock: SparseWorkload = {
  name: 'rosenbrock',
  description: 'extended Rosenbrock Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²: tridiagonal Hessian',
  kind: 'hessian',
  inputs: (K) => Math.max(2, K),
  build: (K) => rosenbrockWorkload.build(Math.max(2, K)),
  point: (K) => rosenbrockWorkload.point(Math.max(2, K)),
};

/** The sparse workloads by name: the Jacobian ones, then the Hessian ones. */
export const sparseWorkloads = {
  bratu,
  laplace2d,
  bundle,
  rosenbrock,
  'bundle-lsq': bundleLsq,
} as const satisfies Readonly<Record<string, SparseWorkload>>;

/** A sparse workload by name, or undefined. */
export function sparseWorkload(name: string): SparseWorkload | undefined {
  return (sparseWorkloads as Readonly<Record<string, SparseWorkload>>)[name];
}
