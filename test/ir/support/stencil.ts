/**
 * The five-point central difference [f(t−2h) − 8f(t−h) + 8f(t+h) − f(t+2h)] / 12h. Its truncation error is
 * h⁴f⁽⁵⁾/30 and its rounding error about 1.5ε|f|/h, so h = 10⁻³·max(1, |t|) (near ε^(1/5)) leaves about
 * 10⁻¹² relative error on smooth functions: room enough under a 10⁻⁶ tolerance for the fifth derivatives of
 * the domains sampled, which stay at least 0.1 from poles and kinks (farther than the stencil's 2h).
 */
export function centralDifference(f: (t: number) => number, t: number): number {
  const h = 1e-3 * Math.max(1, Math.abs(t));
  return (f(t - 2 * h) - 8 * f(t - h) + 8 * f(t + h) - f(t + 2 * h)) / (12 * h);
}

/** The tolerance for a partial against its central difference: relative 10⁻⁶, plus rounding noise of f. */
export function partialTolerance(partial: number, fd: number, value: number): number {
  return 1e-6 * Math.max(Math.abs(partial), Math.abs(fd)) + 1e-9 * Math.max(1, Math.abs(value));
}
