/**
 * `difflab jacobian --sparse` and `difflab hessian --sparse`, run as subprocesses: entries against the dense
 * library calls, colours and sweeps against theory.
 */
import { describe, expect, test } from 'vitest';
import { SPARSE_HESSIAN_WORKLOADS, SPARSE_JACOBIAN_WORKLOADS } from '../../src/cli/options.js';
import { hessian, jacobian, parse, sparseWorkloads } from '../../src/index.js';
import { difflab } from './support.js';

/** Dense rows from JSON [row, column, value] triples. */
function dense(rows: number, cols: number, entries: [number, number, number][]): number[][] {
  const out = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (const [i, j, v] of entries) (out[i] as number[])[j] = v;
  return out;
}

describe('difflab --sparse', () => {
  test("--workload's choices are the sparse workloads of each kind", () => {
    const of = (kind: string) =>
      Object.values(sparseWorkloads)
        .filter((w) => w.kind === kind)
        .map((w) => w.name);
    expect([...SPARSE_JACOBIAN_WORKLOADS]).toEqual(of('jacobian'));
    expect([...SPARSE_HESSIAN_WORKLOADS]).toEqual(of('hessian'));
  });

  test('jacobian --sparse of expressions equals the dense Jacobian, by forward and by reverse mode', () => {
    const exprs = ['x*y', 'sin(y) + z^2', 'exp(z)'];
    const ref = jacobian(parse(exprs), [1, 2, 3]).map((r) => Array.from(r));
    for (const method of ['forward', 'reverse']) {
      const r = difflab(['jacobian', ...exprs, '--at', 'x=1,y=2,z=3', '--sparse', '-m', method, '--json']);
      expect(r.status).toBe(0);
      const J = JSON.parse(r.stdout).jacobian;
      expect(J.mode).toBe(method);
      expect(J.nnz).toBe(5);
      expect(dense(3, 3, J.entries)).toEqual(ref);
    }
  });

  test('hessian --sparse of an expression equals the dense Hessian', () => {
    const e = 'x^2*y + sin(z) * w';
    const f = parse(e);
    const at = f.variables.map((v) => ({ x: 1, y: 2, z: 3, w: 4 })[v] as number);
    const ref = hessian(f, at).map((r) => Array.from(r));
    const r = difflab(['hessian', e, '--at', 'x=1,y=2,z=3,w=4', '--sparse', '--json']);
    expect(r.status).toBe(0);
    const H = JSON.parse(r.stdout).hessian;
    expect(H.sweeps).toBe(H.colourCount);
    expect(dense(4, 4, H.entries)).toEqual(ref);
  });

  test('a workload at K = 10⁴: 3 colours for a tridiagonal Jacobian and Hessian, and a summary, not the entries', () => {
    const j = difflab(['jacobian', '--sparse', '--workload', 'bratu', '--size', '10000', '-m', 'forward']);
    expect(j.status).toBe(0);
    expect(j.stdout).toContain('10000 × 10000, 29998 nonzeros');
    expect(j.stdout).toContain('colours: 3 (columns), tangent sweeps: 1');
    expect(j.stdout).toContain('entries not printed');
    const h = difflab(['hessian', '--sparse', '--workload', 'rosenbrock', '--size', '10000']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('10000 × 10000, 29998 nonzeros');
    expect(h.stdout).toContain('colours: 3 (star colouring), Hessian-vector products: 3');
  });

  test('usage errors: --sparse with numeric, --workload without --sparse, a workload of the other kind, both an expression and a workload', () => {
    expect(difflab(['jacobian', 'x*y', '--at', 'x=1,y=2', '--sparse', '-m', 'numeric']).status).toBe(2);
    expect(difflab(['hessian', 'x*y', '--at', 'x=1,y=2', '--workload', 'rosenbrock']).status).toBe(2);
    expect(difflab(['jacobian', '--sparse', '--workload', 'rosenbrock']).status).toBe(2);
    expect(difflab(['hessian', 'x*y', '--sparse', '--workload', 'rosenbrock']).status).toBe(2);
  });

  test('a flag of another method is refused with --sparse, as without it (reverse mode has no --chunk)', () => {
    const sparse = (...flags: string[]) =>
      difflab(['jacobian', 'sin(x*y)', 'x^2', '--at', 'x=1,y=2', '--sparse', ...flags]);
    const r = sparse('-m', 'reverse', '--chunk', '4');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--method reverse does not take --chunk (forward)');
    const s = sparse('-m', 'forward', '--scheme', 'central');
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('--scheme (numeric)');
    // Forward mode's own --chunk is still read: one direction per sweep gives two sweeps for two columns.
    const f = sparse('-m', 'forward', '--chunk', '1');
    expect(f.status).toBe(0);
    expect(f.stdout).toContain('tangent sweeps: 2');
  });
});
