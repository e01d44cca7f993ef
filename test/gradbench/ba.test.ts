/**
 * GradBench ba as one program of stacked maps over gathered rows: the reprojection against the formula
 * written out in plain numbers (both of Rodrigues' branches, split by camera), the compressed-row Jacobian
 * against the dense Jacobian of the unrolled program, and the two backends to the bit.
 */
import { describe, expect, it } from 'vitest';
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { generateInput } from '../../src/gradbench/generate.js';
import { type Backend, evaluate, methods, unroll } from '../../src/index.js';
import { type BaJacobian, type BaObjective, ba, baProgram } from '../../src/workloads/gradbench/ba.js';
import { closeNormwise } from '../support/expressions.js';

/** The reprojection error of one observation in plain numbers (ADBench's BA, as GradBench's C++ writes it). */
function reprojection(
  cam: ArrayLike<number>,
  X: ArrayLike<number>,
  w: number,
  feat: ArrayLike<number>,
): number[] {
  const c = Array.from(cam);
  const r = c.slice(0, 3);
  const Y = [0, 1, 2].map((i) => (X[i] as number) - (c[3 + i] as number));
  const cross = (a: number[], b: number[]) => [
    (a[1] as number) * (b[2] as number) - (a[2] as number) * (b[1] as number),
    (a[2] as number) * (b[0] as number) - (a[0] as number) * (b[2] as number),
    (a[0] as number) * (b[1] as number) - (a[1] as number) * (b[0] as number),
  ];
  const dot = (a: number[], b: number[]) => a.reduce((s, ai, i) => s + ai * (b[i] as number), 0);
  const theta2 = dot(r, r);
  let Z: number[];
  if (theta2 !== 0) {
    const theta = Math.sqrt(theta2);
    const omega = r.map((ri) => ri / theta);
    const wY = cross(omega, Y);
    const wdotY = dot(omega, Y);
    Z = Y.map(
      (y, i) =>
        y * Math.cos(theta) +
        (wY[i] as number) * Math.sin(theta) +
        (omega[i] as number) * wdotY * (1 - Math.cos(theta)),
    );
  } else {
    const rY = cross(r, Y);
    Z = Y.map((y, i) => y + (rY[i] as number));
  }
  const xi = [(Z[0] as number) / (Z[2] as number), (Z[1] as number) / (Z[2] as number)];
  const rho = dot(xi, xi);
  const L = 1 + (c[9] as number) * rho + (c[10] as number) * rho * rho;
  return [0, 1].map(
    (k) => w * ((c[6] as number) * L * (xi[k] as number) + (c[7 + k] as number) - (feat[k] as number)),
  );
}

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];
const SIZES = { n: 3, m: 4, p: 10 };

/** The GradBench input at SIZES, with a camera rotation of zero when asked. */
function workload(zeroRotation: boolean) {
  const raw = generateInput({ eval: 'ba', sizes: SIZES }) as Record<string, unknown>;
  if (zeroRotation) raw.cam = [0, 0, 0, ...(raw.cam as number[]).slice(3)];
  const input = ba.read(raw);
  return { input, w: ba.prepare(input) };
}

describe('ba as stacked maps', () => {
  it.each([false, true])('objective equals the formula in plain numbers (rotation zero: %s)', (zero) => {
    const { input, w } = workload(zero);
    expect(w.f.calls.length).toBe(2); // the reprojection's map and the weight error's
    const want = reprojection(input.cam, input.x, input.w, input.feat);
    for (const backend of BACKENDS) {
      const o = ba.run('objective', w, derivativeEngine({ method: 'reverse', backend })) as BaObjective;
      for (let i = 0; i < SIZES.p; i++) {
        expect(closeNormwise(o.reproj.subarray(2 * i, 2 * i + 2), want, 1e-14)).toBe(true);
        expect(o.wErr[i]).toBe(1 - input.w * input.w);
      }
    }
  });

  it('cameras with and without rotation in one program: two reprojection maps, each observation by its own branch', () => {
    const { n, m, p } = SIZES;
    const cams = Float64Array.from({ length: 11 * n }, (_, k) => 0.1 + ((k * 7) % 11) / 4);
    cams.fill(0, 11, 14); // camera 1 does not rotate
    const features = Float64Array.from({ length: 2 * p }, (_, k) => k / 3);
    const x = new Float64Array(11 * n + 3 * m + p);
    x.set(cams, 0);
    for (let k = 0; k < 3 * m; k++) x[11 * n + k] = 2 + k / 5;
    for (let i = 0; i < p; i++) x[11 * n + 3 * m + i] = 0.5 + i / 10;
    const f = baProgram(cams, features, n, m, p);
    expect(f.calls.length).toBe(3);
    for (const backend of BACKENDS) {
      const e = evaluate(f, x, { backend });
      for (let i = 0; i < p; i++) {
        const c = i % n;
        const k = i % m;
        const wi = x[11 * n + 3 * m + i] as number;
        const want = reprojection(
          cams.subarray(11 * c, 11 * c + 11),
          x.subarray(11 * n + 3 * k, 11 * n + 3 * k + 3),
          wi,
          features.subarray(2 * i, 2 * i + 2),
        );
        expect(closeNormwise(e.subarray(2 * i, 2 * i + 2), want, 1e-14), `observation ${i}`).toBe(true);
        expect(e[2 * p + i]).toBe(1 - wi * wi);
      }
    }
  });

  it('every observation’s block lands in its own rows and columns: cameras, points and weights all different, one camera without rotation', () => {
    const { n, m, p } = SIZES;
    const cams = Float64Array.from({ length: 11 * n }, (_, k) => 0.1 + ((k * 7) % 11) / 4 + Math.sin(k) / 10);
    cams.fill(0, 11, 14);
    const features = Float64Array.from({ length: 2 * p }, (_, k) => k / 3);
    const x = new Float64Array(11 * n + 3 * m + p);
    x.set(cams, 0);
    for (let k = 0; k < 3 * m; k++) x[11 * n + k] = 2 + k / 5;
    for (let i = 0; i < p; i++) x[11 * n + 3 * m + i] = 0.5 + i / 10;
    const f = baProgram(cams, features, n, m, p);
    const unrolled = methods.forward.jacobian(unroll(f), x).value;
    for (const backend of BACKENDS) {
      const J = ba.run(
        'jacobian',
        { f, x, n, m, p },
        derivativeEngine({ method: 'reverse', backend }),
      ) as BaJacobian;
      const rebuilt = unrolled.map(() => new Float64Array(x.length));
      for (let r = 0; r < 3 * p; r++)
        for (let e = J.rows[r] as number; e < (J.rows[r + 1] as number); e++)
          (rebuilt[r] as Float64Array)[J.cols[e] as number] = J.vals[e] as number;
      const flat = rebuilt.flatMap((row) => Array.from(row));
      expect(
        closeNormwise(
          flat,
          unrolled.flatMap((row) => Array.from(row)),
          1e-14,
        ),
        backend,
      ).toBe(true);
      // The same sweeps as reverse mode's dense Jacobian of the program: the same bits.
      const dense = methods.reverse.jacobian(f, x, { backend }).value.flatMap((row) => Array.from(row));
      expect(
        flat.every((v, k) => Object.is(v, dense[k])),
        backend,
      ).toBe(true);
    }
  });

  it.each([false, true])(
    'the compressed-row Jacobian is the unrolled program’s dense Jacobian, on both backends to the bit (rotation zero: %s)',
    (zero) => {
      const { w } = workload(zero);
      const { n, m, p } = SIZES;
      const dense = methods.forward.jacobian(unroll(w.f), w.x).value;
      const byBackend = BACKENDS.map((backend) => {
        const J = ba.run('jacobian', w, derivativeEngine({ method: 'reverse', backend })) as BaJacobian;
        expect(J.vals.every(Number.isFinite)).toBe(true);
        // Rows: 15 entries per reprojection row, then one per weight error.
        expect(Array.from(J.rows)).toEqual(
          Array.from({ length: 3 * p + 1 }, (_, r) => (r <= 2 * p ? 15 * r : 30 * p + r - 2 * p)),
        );
        const rebuilt = dense.map(() => new Float64Array(11 * n + 3 * m + p));
        for (let r = 0; r < 3 * p; r++)
          for (let e = J.rows[r] as number; e < (J.rows[r + 1] as number); e++)
            (rebuilt[r] as Float64Array)[J.cols[e] as number] = J.vals[e] as number;
        // Every nonzero of the dense Jacobian is in the pattern, with the same value.
        expect(
          closeNormwise(
            rebuilt.flatMap((row) => Array.from(row)),
            dense.flatMap((row) => Array.from(row)),
            1e-14,
          ),
        ).toBe(true);
        return [...J.rows, ...J.cols, ...J.vals];
      });
      const [interp, comp] = byBackend as [number[], number[]];
      expect(comp.every((v, k) => Object.is(v, interp[k]))).toBe(true);
    },
  );
});
