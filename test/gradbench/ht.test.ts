/**
 * ht (hand tracking): GradBench's four data sets against GradBench's C++ reference outputs by both rules and
 * several methods, a closed form at a special pose of a model built for it, the Jacobian by the chain rule
 * through the gather against the Jacobian taken correspondence by correspondence, the data files' reader, and
 * the input checks.
 */
import { describe, expect, it } from 'vitest';
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { htInput, type RunOptions, runFixture, trimHtInput } from '../../src/gradbench/index.js';
import { type Backend, DifflabError, type Method } from '../../src/index.js';
import { correspondenceJacobian, type HtWorkload, ht } from '../../src/workloads/gradbench/ht.js';
import { htFixture } from './support.js';

const ONE_RUN = { minRuns: 1, minSeconds: 0 };

function expectPass(options: RunOptions, strict: boolean) {
  const result = runFixture(htFixture(), { ...ONE_RUN, ...options });
  expect(result.rounds.length).toBe(8);
  for (const r of result.rounds) {
    const where = `${r.description} ${r.function}`;
    expect(r.error, where).toBeUndefined();
    expect(r.gradbench?.mismatches, where).toEqual([]);
    expect(r.gradbench?.pass, where).toBe(true);
    if (strict) {
      expect(r.strict?.mismatches, `${where} strict`).toEqual([]);
      expect(r.strict?.pass, `${where} strict`).toBe(true);
    }
  }
}

describe("ht on GradBench's data (small and big model, simple and complicated) against its C++ reference", () => {
  it('reverse mode passes both rules', () => expectPass({ method: 'reverse' }, true));
  it('reverse mode, compiled, passes both rules', () =>
    expectPass({ method: 'reverse', backend: 'compile' }, true));
  it('forward mode passes both rules', () => expectPass({ method: 'forward' }, true));
  it('the symbolic method passes both rules', () => expectPass({ method: 'symbolic' }, true));
  it("finite differences pass GradBench's rule", () => expectPass({ method: 'numeric' }, false));
});

const I4 = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

/**
 * A model whose bones are all roots with identity base transforms, so each bone just rotates by its Euler
 * angles: vertex 0 on bone 2 (the thumb's first posed bone, angles θ₆ about x and θ₇ about z) at (1, 2, 3),
 * vertices 1 and 2 on bone 0 (never posed) at (0, 1, 0) and (0, 0, 1).
 */
function synthetic(complicated: boolean, mirrored: boolean) {
  const B = 22;
  const oneHot = (b: number): number[] => Array.from({ length: B }, (_, j) => (j === b ? 1 : 0));
  const theta = new Array<number>(26).fill(0);
  // Global rotation a quarter turn about z, (x, y, z) → (−y, x, z); translation t; thumb angle π/2 about x.
  theta[2] = Math.PI / 2;
  [theta[3], theta[4], theta[5]] = [0.5, -1, 2];
  theta[6] = Math.PI / 2;
  return {
    theta,
    us: complicated ? [[0.2, 0.3]] : [],
    data: {
      model: {
        bone_count: B,
        bone_names: Array.from({ length: B }, (_, b) => `bone${b}`),
        parents: new Array<number>(B).fill(-1),
        base_relatives: Array.from({ length: B }, () => I4),
        inverse_base_absolutes: Array.from({ length: B }, () => I4),
        base_positions: [
          [1, 2, 3, 1],
          [0, 1, 0, 1],
          [0, 0, 1, 1],
        ],
        weights: [oneHot(2), oneHot(0), oneHot(0)],
        triangles: [[0, 1, 2]],
        is_mirrored: mirrored,
      },
      correspondences: [0],
      points: [[10, 20, 30]],
    },
  };
}

function run(input: unknown, fn: string, method: 'reverse' | 'forward' = 'reverse'): number[][] | number[] {
  const w = ht.prepare(ht.read(input));
  return ht.output(fn, ht.run(fn, w, derivativeEngine({ method })), w) as number[][] | number[];
}

const close = (actual: number[], expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  for (const [i, e] of expected.entries()) expect(actual[i]).toBeCloseTo(e, 12);
};

describe('ht at a special pose: closed forms', () => {
  // Rx(π/2)(1, 2, 3) = (1, −3, 2); the quarter turn gives (3, 1, 2); plus t: (3.5, 0, 4).
  it('simple: the residual and the Jacobian columns of the translation and the thumb angle', () => {
    close(run(synthetic(false, false), 'objective') as number[], [10 - 3.5, 20 - 0, 30 - 4]);
    for (const method of ['reverse', 'forward'] as const) {
      const J = run(synthetic(false, false), 'jacobian', method) as number[][];
      expect(J.length).toBe(3);
      // ∂r/∂t = −I; ∂/∂θ₆ of Rx(θ₆)p at π/2 is (0, −p₂... ) = (0, −2, −3), turned: (2, 0, −3), negated.
      for (let r = 0; r < 3; r++) {
        close(
          [3, 4, 5].map((c) => (J[r] as number[])[c] as number),
          [0, 1, 2].map((c) => (c === r ? -1 : 0)),
        );
      }
      close(
        J.map((row) => row[6] as number),
        [-2, 0, 3],
      );
    }
  });

  it('mirrored: x is negated before the global rotation', () => {
    // (1, −3, 2) mirrored is (−1, −3, 2); turned (3, −1, 2); plus t: (3.5, −2, 4).
    close(run(synthetic(false, true), 'objective') as number[], [10 - 3.5, 20 + 2, 30 - 4]);
  });

  it('complicated: the barycentric point and the u columns', () => {
    // V0 = (3.5, 0, 4), V1 = quarter turn of (0, 1, 0) + t = (−0.5, −1, 2), V2 = (0.5, −1, 3).
    const [V0, V1, V2] = [
      [3.5, 0, 4],
      [-0.5, -1, 2],
      [0.5, -1, 3],
    ] as [number[], number[], number[]];
    const point = [0, 1, 2].map(
      (j) => 0.2 * (V0[j] as number) + 0.3 * (V1[j] as number) + 0.5 * (V2[j] as number),
    );
    close(
      run(synthetic(true, false), 'objective') as number[],
      [10, 20, 30].map((p, j) => p - (point[j] as number)),
    );
    const J = run(synthetic(true, false), 'jacobian') as number[][];
    expect(J.map((row) => row.length)).toEqual([28, 28, 28]);
    close(
      J.map((row) => row[0] as number),
      [0, 1, 2].map((j) => -((V0[j] as number) - (V2[j] as number))),
    );
    close(
      J.map((row) => row[1] as number),
      [0, 1, 2].map((j) => -((V1[j] as number) - (V2[j] as number))),
    );
    // θ₆ moves V0 only, weighted by u0 = 0.2.
    close(
      J.map((row) => row[2 + 6] as number),
      [-0.4, 0, 0.6],
    );
  });

  it('a global rotation below norm 1e-4 is the identity, as in the reference', () => {
    const input = synthetic(false, false);
    input.theta[2] = 5e-5;
    // Rx(π/2)(1, 2, 3) + t, unrotated.
    close(run(input, 'objective') as number[], [10 - 1.5, 20 - -4, 30 - 4]);
  });
});

/** The largest |a − b| over the largest |b|: the difference relative to the Jacobian's scale. */
function relativeDifference(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / scale;
}

describe("ht's Jacobian by the chain rule through the gather equals the per-correspondence one", () => {
  const fixtures = (): { description: string; w: HtWorkload }[] =>
    htFixture()
      .rounds.filter((r) => r.function === 'jacobian')
      .map((r) => ({ description: r.description ?? '', w: ht.prepare(ht.read(r.input)) }));
  // The special poses' models, at a pose with every angle away from 0 and π/2 (every partial non-zero).
  const synthetics = () =>
    [false, true].flatMap((complicated) =>
      [false, true].map((mirrored) => {
        const input = synthetic(complicated, mirrored);
        input.theta = input.theta.map((t, i) => t + 0.1 * Math.sin(i + 1));
        return { description: `synthetic ${complicated} ${mirrored}`, w: ht.prepare(ht.read(input)) };
      }),
    );
  const engines: [Method, Backend][] = [
    ['reverse', 'interpret'],
    ['reverse', 'compile'],
    ['forward', 'interpret'],
    ['forward', 'compile'],
  ];
  for (const [method, backend] of engines) {
    it(`${method} mode, ${backend}: GradBench's four data sets and the special models`, () => {
      const engine = derivativeEngine({ method, backend });
      for (const { description, w } of [...fixtures(), ...synthetics()]) {
        const chained = ht.run('jacobian', w, engine) as Float64Array;
        // Not the same arithmetic (the chain multiplies Jacobians the per-correspondence sweeps never form).
        expect(relativeDifference(chained, correspondenceJacobian(w, engine)), description).toBeLessThan(
          1e-12,
        );
      }
    });
  }

  it('many used vertices (hundreds of thousands of copied pose values) build and agree', () => {
    // 12,000 vertices, each weighted by four posed bones (60 copied pose values a vertex), each the vertex of
    // one correspondence.
    const input = synthetic(false, false);
    const model = input.data.model;
    const n = 12_000;
    model.base_positions = Array.from({ length: n }, (_, v) => [Math.sin(v), Math.cos(v), v / n, 1]);
    model.weights = Array.from({ length: n }, () =>
      Array.from({ length: 22 }, (_, b) => ([2, 3, 6, 7].includes(b) ? 0.25 : 0)),
    );
    input.data.correspondences = Array.from({ length: n }, (_, v) => v);
    input.data.points = Array.from({ length: n }, (_, v) => [v % 7, v % 5, v % 3]);
    input.theta = input.theta.map((t, i) => t + 0.1 * Math.sin(i + 1));
    const w = ht.prepare(ht.read(input));
    const engine = derivativeEngine({ method: 'reverse' });
    const chained = ht.run('jacobian', w, engine) as Float64Array;
    expect(relativeDifference(chained, correspondenceJacobian(w, engine))).toBeLessThan(1e-12);
  });

  it("a vertex's Jacobian stored at another vertex's slot makes them differ", () => {
    const engine = derivativeEngine({ method: 'reverse' });
    for (const { description, w } of fixtures()) {
      const reference = correspondenceJacobian(w, engine);
      const { skinSlots, used } = w.chain;
      const slots = skinSlots[0] as Int32Array;
      slots[0] = ((slots[0] as number) + 1) % used;
      const chained = ht.run('jacobian', w, engine) as Float64Array;
      expect(relativeDifference(chained, reference), description).toBeGreaterThan(1e-6);
    }
  });

  it('the Jacobian array is reused, every entry written again: a second call at another θ equals a fresh one', () => {
    for (const backend of ['interpret', 'compile'] as const) {
      const engine = derivativeEngine({ method: 'reverse', backend });
      for (const r of htFixture().rounds.filter((round) => round.function === 'jacobian')) {
        const w = ht.prepare(ht.read(r.input));
        const first = ht.run('jacobian', w, engine) as Float64Array;
        const before = first.slice();
        // Another pose (every angle moved, the global rotation's norm still above 1e-4) and other u.
        w.input.theta.forEach((t, i) => {
          w.input.theta[i] = t + 0.1 * Math.sin(i + 1);
        });
        w.input.us.forEach((u, i) => {
          w.input.us[i] = 0.5 * u + 0.1;
        });
        const second = ht.run('jacobian', w, engine) as Float64Array;
        expect(second).toBe(first);
        const fresh = ht.prepare(ht.read(r.input));
        fresh.input.theta.set(w.input.theta);
        fresh.input.us.set(w.input.us);
        const expected = ht.run('jacobian', fresh, engine) as Float64Array;
        expect(
          second.some((v, k) => v !== before[k]),
          `${r.description} ${backend}`,
        ).toBe(true);
        expect(
          second.every((v, k) => Object.is(v, expected[k])),
          `${r.description} ${backend}`,
        ).toBe(true);
      }
    }
  });
});

describe("ht's data files", () => {
  const bone = (name: string, parent: number) =>
    `${name}:${parent}:${[...I4.flat(), ...I4.flat()].join(':')}`;
  const model = {
    bones: Array.from({ length: 22 }, (_, b) => bone(`b${b}`, b - 1)).join('\n'),
    // x:y:z, five unused fields, then k and k pairs bone:weight
    vertices: ['1:2:3:0:0:0:0:0:2:0:0.25:3:0.75', '4:5:6:0:0:0:0:0:1:21:1', '7:8:9:0:0:0:0:0:1:1:1'].join(
      '\n',
    ),
    triangles: '0:1:2\n2:1:0\n',
  };

  it('htInput reads the model and a hand file as GradBench does', () => {
    const hand = `2 26\n2 0.1 0.2 0.3\n1 0.4 0.5 0.6\n0.1 0.2\n0.3 0.4\n${Array.from({ length: 26 }, (_, i) => i / 10).join('\n')}\n`;
    const input = htInput(model, hand, true);
    const m = input.data.model;
    expect(m.bone_count).toBe(22);
    expect(m.parents.slice(0, 3)).toEqual([-1, 0, 1]);
    expect(m.base_relatives[3]).toEqual(I4);
    expect(m.base_positions).toEqual([
      [1, 2, 3, 1],
      [4, 5, 6, 1],
      [7, 8, 9, 1],
    ]);
    expect(m.weights[0]?.slice(0, 4)).toEqual([0.25, 0, 0, 0.75]);
    expect(m.weights[1]?.[21]).toBe(1);
    expect(m.triangles).toEqual([
      [0, 1, 2],
      [2, 1, 0],
    ]);
    expect(input.data.correspondences).toEqual([2, 1]);
    expect(input.data.points).toEqual([
      [0.1, 0.2, 0.3],
      [0.4, 0.5, 0.6],
    ]);
    expect(input.us).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(input.theta[25]).toBe(2.5);
    // The simple variant reads no us: θ follows the correspondences.
    const simple = htInput(
      model,
      `1 26\n2 0.1 0.2 0.3\n${Array.from({ length: 26 }, () => 7).join('\n')}\n`,
      false,
    );
    expect(simple.us).toEqual([]);
    expect(simple.theta).toEqual(new Array(26).fill(7));
  });

  it('trimHtInput keeps the outputs of every method unchanged', () => {
    for (const round of htFixture().rounds) {
      const input = round.input as Parameters<typeof trimHtInput>[0];
      // Pad the model with vertices (and triangles) no correspondence uses, then trim it again.
      const m = input.data.model;
      const padded = {
        ...input,
        data: {
          ...input.data,
          model: {
            ...m,
            base_positions: [...m.base_positions, [9, 9, 9, 1]],
            weights: [...m.weights, new Array<number>(22).fill(1 / 22)],
            triangles: [...m.triangles, [0, 0, m.base_positions.length]],
          },
        },
      };
      const trimmed = trimHtInput(padded);
      expect(trimmed.data.model.base_positions.length).toBe(m.base_positions.length);
      expect(run(trimmed, round.function)).toEqual(run(padded, round.function));
    }
  });

  it('a malformed line is a coded error naming it', () => {
    expect(() => htInput({ ...model, vertices: '1:2:x:0:0:0:0:0:0' }, '0 26\n', false)).toThrow(
      /vertices.txt line 1/,
    );
  });
});

describe('ht refuses a malformed input with a coded error', () => {
  const bad = (edit: (i: ReturnType<typeof synthetic>) => void, message: RegExp) => {
    const input = synthetic(true, false);
    edit(input);
    try {
      ht.read(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DifflabError);
      expect((e as DifflabError).code).toBe('invalid-argument');
      expect((e as Error).message).toMatch(message);
    }
  };
  it('θ of the wrong length', () => bad((i) => i.theta.pop(), /theta/));
  it('a parent that is not an earlier bone', () => bad((i) => (i.data.model.parents[3] = 5), /parents\[3\]/));
  it('a correspondence past the triangles', () =>
    bad((i) => (i.data.correspondences[0] = 1), /correspondences/));
  it('a triangle past the vertices', () => bad((i) => (i.data.model.triangles[0] = [0, 1, 3]), /triangles/));
  it('us not one pair per correspondence', () => bad((i) => i.us.push([0.1, 0.1]), /us/));
  it('a transform that is not 4×4', () =>
    bad((i) => (i.data.model.base_relatives[1] = I4.slice(0, 3)), /base_relatives\[1\]/));
});
