/**
 * Independent references for the strict check where GradBench's golden output is not the derivative of the
 * primal it asks for. The ode eval's golden gradient is that of the exact ODE solution, while the primal is
 * RK4 (they differ for n > 4); the strict check compares with the derivative of RK4 itself, taken here by
 * complex-step differentiation of a plain RK4 written in complex arithmetic (no difflab code involved).
 */

/** ∂y_{n−1}(2)/∂x of s RK4 steps, by complex step (exact to rounding), in O(n²·s). */
export function odeRk4Gradient(x: ArrayLike<number>, s: number): Float64Array {
  const n = x.length;
  const h = 2 / s;
  const step = 1e-30;
  const out = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const kr = [0, 1, 2, 3].map(() => new Float64Array(n));
  const ki = [0, 1, 2, 3].map(() => new Float64Array(n));
  const tr = new Float64Array(n);
  const ti = new Float64Array(n);
  // F(y)_0 = x_0, F(y)_i = x_i·y_{i−1}, with x_p perturbed by i·step.
  const rhs = (p: number, yr: Float64Array, yi: Float64Array, fr: Float64Array, fi: Float64Array) => {
    for (let i = 0; i < n; i++) {
      const xr = x[i] as number;
      const xi = i === p ? step : 0;
      if (i === 0) {
        fr[0] = xr;
        fi[0] = xi;
      } else {
        const ar = yr[i - 1] as number;
        const ai = yi[i - 1] as number;
        fr[i] = xr * ar - xi * ai;
        fi[i] = xr * ai + xi * ar;
      }
    }
  };
  for (let p = 0; p < n; p++) {
    re.fill(0);
    im.fill(0);
    for (let k = 0; k < s; k++) {
      rhs(p, re, im, kr[0] as Float64Array, ki[0] as Float64Array);
      for (let stage = 1; stage < 4; stage++) {
        const c = stage === 3 ? h : h / 2;
        for (let i = 0; i < n; i++) {
          tr[i] = (re[i] as number) + c * ((kr[stage - 1] as Float64Array)[i] as number);
          ti[i] = (im[i] as number) + c * ((ki[stage - 1] as Float64Array)[i] as number);
        }
        rhs(p, tr, ti, kr[stage] as Float64Array, ki[stage] as Float64Array);
      }
      for (let i = 0; i < n; i++) {
        const [a, b, c, d] = [0, 1, 2, 3].map((j) => (kr[j] as Float64Array)[i] as number) as [
          number,
          number,
          number,
          number,
        ];
        const [ai, bi, ci, di] = [0, 1, 2, 3].map((j) => (ki[j] as Float64Array)[i] as number) as [
          number,
          number,
          number,
          number,
        ];
        re[i] = (re[i] as number) + (h * (a + 2 * b + 2 * c + d)) / 6;
        im[i] = (im[i] as number) + (h * (ai + 2 * bi + 2 * ci + di)) / 6;
      }
    }
    out[p] = (im[n - 1] as number) / step;
  }
  return out;
}

/** A strict reference replacing the golden output for this round, with why, or undefined to use the golden. */
export function strictReference(
  module: string,
  fn: string,
  input: unknown,
): { expected: unknown; note: string } | undefined {
  if (module !== 'ode' || fn !== 'gradient') return undefined;
  const o = input as { x?: unknown; s?: unknown };
  if (!Array.isArray(o?.x) || typeof o.s !== 'number' || o.x.length * o.x.length * o.s > 1e8)
    return undefined;
  return {
    expected: Array.from(odeRk4Gradient(o.x as number[], o.s)),
    note: "strict check against RK4's own derivative by complex step (the golden is the exact solution's)",
  };
}
