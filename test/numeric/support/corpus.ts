/**
 * Smooth (analytic) test functions of one to three variables, with points where each is analytic, their
 * closed-form gradients written by hand, and reference gradients from 64-digit arithmetic. Shared by the
 * complex-step, Richardson and scheme tests.
 *
 * The closed forms are evaluated in doubles, and some cancel (Squire and Trapp's derivative at x = −0.4 loses
 * about six bits in 1 − 0.98...), so the 1e−14 checks compare against `exact`, the 64-digit reference, and one
 * test checks that the closed forms and the reference agree.
 */
import { parse } from '../../../src/ir/mathjs.js';
import type { Program } from '../../../src/ir/program.js';
import { bigGradient } from './big.js';

export interface Smooth {
  readonly source: string;
  readonly f: Program<number>;
  readonly points: readonly (readonly number[])[];
  /** The hand-written closed form, in doubles. */
  readonly gradient: (x: readonly number[]) => number[];
  /** The gradient from 64-digit arithmetic, rounded to doubles. */
  readonly exact: (x: readonly number[]) => number[];
}

const sigma = (t: number) => 1 / (1 + Math.exp(-t));
const sech2 = (t: number) => 1 / Math.cosh(t) ** 2;

function smooth(
  source: string,
  points: readonly (readonly number[])[],
  gradient: (x: readonly number[]) => number[],
): Smooth {
  const f = parse(source);
  return { source, f, points, gradient, exact: (x) => bigGradient(source, f.variables, x) };
}

/** x₀, x₁, x₂ of a point (0 when absent). */
const at = (x: readonly number[]) => [x[0] ?? 0, x[1] ?? 0, x[2] ?? 0] as const;

export const CORPUS: readonly Smooth[] = [
  // ∂x = eˣ sin y (1 − x)²/(1 + x²)², ∂y = eˣ cos y/(1 + x²)
  smooth(
    'exp(x) * sin(y) / (1 + x^2)',
    [
      [0.5, 1],
      [-1.2, 2.5],
      [2, -0.3],
    ],
    (p) => {
      const [x, y] = at(p);
      return [
        (Math.exp(x) * Math.sin(y) * (1 - x) ** 2) / (1 + x * x) ** 2,
        (Math.exp(x) * Math.cos(y)) / (1 + x * x),
      ];
    },
  ),
  // Squire and Trapp's test function g = eˣ/√(sin³x + cos³x): g′ = g (1 − (3 sin²x cos x − 3 cos²x sin x)/(2(sin³x + cos³x)))
  smooth('exp(x) / sqrt(sin(x)^3 + cos(x)^3)', [[1.5], [0.5], [-0.4]], (p) => {
    const [x] = at(p);
    const s = Math.sin(x);
    const c = Math.cos(x);
    const g = Math.exp(x) / Math.sqrt(s ** 3 + c ** 3);
    return [g * (1 - (3 * s * s * c - 3 * c * c * s) / (2 * (s ** 3 + c ** 3)))];
  }),
  // A polynomial at negative coordinates: ∂x = 3x²y − 2y², ∂y = x³ − 4xy + 4y³
  smooth(
    'x^3 * y - 2 * x * y^2 + y^4',
    [
      [-1.5, 0.7],
      [1.1, -2.3],
      [-0.3, -0.8],
    ],
    (p) => {
      const [x, y] = at(p);
      return [3 * x * x * y - 2 * y * y, x ** 3 - 4 * x * y + 4 * y ** 3];
    },
  ),
  // Negative bases with integer exponents: d/dx ((x − 1)⁵ + x⁻³) = 5(x − 1)⁴ − 3x⁻⁴
  smooth('(x - 1)^5 + x^-3', [[-1.3], [0.4], [-0.6]], (p) => {
    const [x] = at(p);
    return [5 * (x - 1) ** 4 - 3 / x ** 4];
  }),
  // L = log(1 + x² + y²): ∂x = 2x cos(xy)/(1 + x² + y²) − L y sin(xy), ∂y likewise
  smooth(
    'log(1 + x^2 + y^2) * cos(x*y)',
    [
      [0.8, -1.1],
      [-2, 0.3],
    ],
    (p) => {
      const [x, y] = at(p);
      const q = 1 + x * x + y * y;
      const L = Math.log(q);
      return [
        ((2 * x) / q) * Math.cos(x * y) - L * y * Math.sin(x * y),
        ((2 * y) / q) * Math.cos(x * y) - L * x * Math.sin(x * y),
      ];
    },
  ),
  // ∂x = y/(x² + y²) + sech²(x − y), ∂y = −x/(x² + y²) − sech²(x − y)
  smooth(
    'atan(x/y) + tanh(x - y)',
    [
      [0.7, 1.9],
      [-1.4, 0.6],
    ],
    (p) => {
      const [x, y] = at(p);
      const r = x * x + y * y;
      return [y / r + sech2(x - y), -x / r - sech2(x - y)];
    },
  ),
  // s = √(x² + y² + z² + 1): ∇s = (x, y, z)/s
  smooth(
    'sqrt(x^2 + y^2 + z^2 + 1)',
    [
      [0.3, -2, 1.5],
      [-4, 0.1, 0],
    ],
    (p) => {
      const [x, y, z] = at(p);
      const s = Math.sqrt(x * x + y * y + z * z + 1);
      return [x / s, y / s, z / s];
    },
  ),
  // σ′ = σ(1 − σ), softplus′ = σ: ∂x = y σ′(xy) + σ(x − 2y), ∂y = x σ′(xy) − 2σ(x − 2y)
  smooth(
    'sigmoid(x*y) + softplus(x - 2*y)',
    [
      [1.3, -0.4],
      [-2.2, -1.7],
    ],
    (p) => {
      const [x, y] = at(p);
      const s = sigma(x * y);
      return [y * s * (1 - s) + sigma(x - 2 * y), x * s * (1 - s) - 2 * sigma(x - 2 * y)];
    },
  ),
  // With softmax weights p of (x, y, xy): ∂x = p₁ + y p₃, ∂y = p₂ + x p₃
  smooth(
    'logsumexp(x, y, x*y)',
    [
      [0.4, -1.3],
      [2.1, 1.6],
    ],
    (p) => {
      const [x, y] = at(p);
      const m = Math.max(x, y, x * y);
      const e = [Math.exp(x - m), Math.exp(y - m), Math.exp(x * y - m)];
      const s = (e[0] as number) + (e[1] as number) + (e[2] as number);
      const [p1, p2, p3] = e.map((t) => t / s) as [number, number, number];
      return [p1 + y * p3, p2 + x * p3];
    },
  ),
  // Fast variation in x: ∂x = 10 cos(10x) e^(−y²), ∂y = −2y sin(10x) e^(−y²)
  smooth(
    'sin(10*x) * exp(-y^2)',
    [
      [0.37, 0.5],
      [-1.01, -1.2],
    ],
    (p) => {
      const [x, y] = at(p);
      return [10 * Math.cos(10 * x) * Math.exp(-y * y), -2 * y * Math.sin(10 * x) * Math.exp(-y * y)];
    },
  ),
  // Runge's function: d/dx 1/(1 + 25x²) = −50x/(1 + 25x²)²
  smooth('1 / (1 + 25*x^2)', [[0.3], [-0.05], [1.2]], (p) => {
    const [x] = at(p);
    return [(-50 * x) / (1 + 25 * x * x) ** 2];
  }),
  // A variable exponent: ∂x xʸ = y x^(y−1), ∂y xʸ = xʸ ln x
  smooth(
    'x^y',
    [
      [1.7, 2.3],
      [0.4, -1.5],
    ],
    (p) => {
      const [x, y] = at(p);
      return [y * x ** (y - 1), x ** y * Math.log(x)];
    },
  ),
  // The real cube root of a negative number: ∂x ∛x·y = y/(3∛x²), ∂y = ∛x
  smooth(
    'cbrt(x) * y',
    [
      [-2, 1.5],
      [3.3, -0.7],
    ],
    (p) => {
      const [x, y] = at(p);
      return [y / (3 * Math.cbrt(x) ** 2), Math.cbrt(x)];
    },
  ),
  // Inverse functions: ∂x = acosh(y)/√(x² + 1) + 1/√(9 − x²), ∂y = asinh(x)/√(y² − 1)
  smooth(
    'asinh(x) * acosh(y) + asin(x/3)',
    [
      [0.6, 1.8],
      [-2.5, 4],
    ],
    (p) => {
      const [x, y] = at(p);
      return [
        Math.acosh(y) / Math.sqrt(x * x + 1) + 1 / Math.sqrt(9 - x * x),
        Math.asinh(x) / Math.sqrt(y * y - 1),
      ];
    },
  ),
  // logb: ∂x log_y x = 1/(x ln y), ∂y = −ln x/(y ln² y)
  smooth(
    'log(x, y)',
    [
      [5, 2],
      [0.3, 7],
    ],
    (p) => {
      const [x, y] = at(p);
      return [1 / (x * Math.log(y)), -Math.log(x) / (y * Math.log(y) ** 2)];
    },
  ),
];

/** max |aᵢ − bᵢ| / maxᵢ |bᵢ|: the normwise relative error. */
export function normwiseError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    size = Math.max(size, Math.abs(b[i] as number));
  }
  return diff / size;
}
