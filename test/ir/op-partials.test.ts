/**
 * The op table's local partials: at points sampled from each op's domain they match central differences of
 * the value rule; at kinks and at pow's 0·∞ points they follow the documented conventions.
 */
import { describe, expect, it } from 'vitest';
import {
  type FixedOpDef,
  type FixedOpName,
  isNaryOp,
  type NaryOpDef,
  NUMBER_ALGEBRA,
  NUMERIC_PARTIALS,
  OP_CODE,
  OP_NAMES,
  OPS,
} from '../../src/ir/index.js';
import { DOMAINS, SAMPLES_PER_OP } from './support/domains.js';
import { seeded } from './support/random.js';
import { centralDifference, partialTolerance } from './support/stencil.js';

/**
 * Every op-table entry's local partials against central differences of its own value rule, at points
 * sampled from its domain: the generic rules run over NUMBER_ALGEBRA, and the NUMERIC_PARTIALS table the
 * sweeps use (hand-written rules where the entry has them).
 */
function expectPartial(where: string, partial: number, fd: number, value: number): void {
  const err = Math.abs(partial - fd);
  expect(err <= partialTolerance(partial, fd, value), `${where}: ${partial}, central difference ${fd}`).toBe(
    true,
  );
}

describe('op table: local partials match central differences of the value rule', () => {
  for (const name of OP_NAMES) {
    it(name, () => {
      const sampler = DOMAINS[name];
      expect(sampler, `no domain sampler for op '${name}'`).toBeTypeOf('function');
      const rng = seeded(0xd1ff + OP_NAMES.indexOf(name));
      if (isNaryOp(name)) {
        const def = OPS[name] as NaryOpDef;
        for (let s = 0; s < SAMPLES_PER_OP; s++) {
          const { args } = sampler(rng);
          const n = args.length;
          // Values sit at an offset and in reverse order, and the argument list starts past other entries,
          // so a rule that confuses positions, indices and `start` reads the wrong numbers.
          const v = new Float64Array(n + 3).fill(Number.NaN);
          const list = new Int32Array(n + 2).fill(-1);
          const start = 2;
          args.forEach((x, k) => {
            v[3 + n - 1 - k] = x;
            list[start + k] = 3 + n - 1 - k;
          });
          const z = def.value(v, list, start, n);
          for (let k = 0; k < n; k++) {
            const slot = list[start + k] as number;
            const fd = centralDifference((t) => {
              const w = v.slice();
              w[slot] = t;
              return def.value(w, list, start, n);
            }, args[k] as number);
            const where = `∂${name}(${args.join(', ')})/∂x${k}`;
            expectPartial(`${where} generic`, def.partial(NUMBER_ALGEBRA, args, z, k), fd, z);
            expectPartial(`${where} numeric`, def.numericPartial(v, list, start, n, z, k), fd, z);
          }
        }
        expect(NUMERIC_PARTIALS[OP_CODE[name]]).toEqual([]);
        return;
      }
      const def = OPS[name] as FixedOpDef;
      const numeric = NUMERIC_PARTIALS[OP_CODE[name]] ?? [];
      expect(def.partials).toHaveLength(def.arity);
      expect(numeric).toHaveLength(def.arity);
      for (let s = 0; s < SAMPLES_PER_OP; s++) {
        const { args, wrt } = sampler(rng);
        const x = args[0] as number;
        // A unary rule gets NaN for the absent second argument, so one that reads it shows up.
        const y = def.arity === 2 ? (args[1] as number) : Number.NaN;
        const z = def.value(x, y);
        for (const i of wrt ?? args.keys()) {
          const fd = centralDifference(
            (t) => (i === 0 ? def.value(t, y) : def.value(x, t)),
            args[i] as number,
          );
          const where = `∂${name}(${args.join(', ')})/∂${i === 0 ? 'x' : 'y'}`;
          expectPartial(
            `${where} generic`,
            (def.partials[i] as FixedOpDef['partials'][number])(NUMBER_ALGEBRA, x, y, z),
            fd,
            z,
          );
          expectPartial(
            `${where} numeric`,
            (numeric[i] as (x: number, y: number, z: number) => number)(x, y, z),
            fd,
            z,
          );
        }
      }
    });
  }
});

/**
 * At kinks the partials follow difflab's one convention (DESIGN.md): relu′(0) = 0, abs′(0) = 0, max and min
 * split ties evenly; and pow's hand-written partials give the limits where the generic rule meets 0·∞.
 */
function partials(name: FixedOpName, x: number, y = Number.NaN) {
  const def = OPS[name] as FixedOpDef;
  const z = def.value(x, y);
  const numeric = NUMERIC_PARTIALS[OP_CODE[name]] ?? [];
  return {
    generic: def.partials.map((rule) => rule(NUMBER_ALGEBRA, x, y, z)),
    numeric: numeric.map((rule) => rule(x, y, z)),
  };
}

describe('partials at kinks', () => {
  it.each([
    ['abs', 0, [0]],
    ['relu', 0, [0]],
    ['heaviside', 0, [0]],
    ['sign', 0, [0]],
  ] as const)('%s′(%d) is %j', (name, x, expected) => {
    const { generic, numeric } = partials(name, x);
    expect(generic).toEqual(expected);
    expect(numeric).toEqual(expected);
  });

  it('heaviside(0) = 0 and relu(0) = 0', () => {
    expect(OPS.heaviside.value(0, Number.NaN)).toBe(0);
    expect(OPS.relu.value(0, Number.NaN)).toBe(0);
  });

  it.each(['max', 'min'] as const)('%s splits a tie evenly', (name) => {
    for (const t of [-2, 0, 3.5]) {
      const { generic, numeric } = partials(name, t, t);
      expect(generic).toEqual([0.5, 0.5]);
      expect(numeric).toEqual([0.5, 0.5]);
    }
  });

  it('the partials of max and min away from a tie pick the winning argument', () => {
    expect(partials('max', 2, 1).numeric).toEqual([1, 0]);
    expect(partials('max', 1, 2).numeric).toEqual([0, 1]);
    expect(partials('min', 2, 1).numeric).toEqual([0, 1]);
    expect(partials('min', 1, 2).numeric).toEqual([1, 0]);
  });
});

describe("pow's partials at the edges", () => {
  const [dx, dy] = NUMERIC_PARTIALS[OP_CODE.pow] as [
    (x: number, y: number, z: number) => number,
    (x: number, y: number, z: number) => number,
  ];

  it('d(x^0)/dx at x = 0 is y·x^(y−1) = 0·∞ = NaN, as the symbolic engines evaluate the same rule', () => {
    expect(dx(0, 0, 1)).toBeNaN();
    expect(
      Number.isNaN((OPS.pow.partials[0] as FixedOpDef['partials'][number])(NUMBER_ALGEBRA, 0, 0, 1)),
    ).toBe(true);
  });

  it('d(0^y)/dy for y > 0 is x^y·ln x = 0·(−∞) = NaN (no one-sided limit: the rule has no test on y)', () => {
    for (const y of [0.5, 1, 2, 3.7]) expect(dy(0, y, 0)).toBeNaN();
  });

  it('d(x^y)/dx at x = 0 for y = 1 and y = 2 are 1 and 0', () => {
    expect(dx(0, 1, 0)).toBe(1);
    expect(dx(0, 2, 0)).toBe(0);
  });

  it('negative bases with integer exponents: d((−2)^3)/dx = 3·(−2)² = 12', () => {
    expect(dx(-2, 3, -8)).toBe(12);
    expect(dx(-2, -2, 0.25)).toBe(-2 * (-2) ** -3);
  });
});

describe('partials in the far tails keep their relative accuracy', () => {
  // Closed forms that do not cancel: e^−|x| based, exact to a few ulps wherever they do not underflow.
  const tails: readonly [FixedOpName, (x: number) => number][] = [
    ['tanh', (x) => 4 / (Math.exp(x) + Math.exp(-x)) ** 2],
    ['coth', (x) => -4 / (Math.exp(x) - Math.exp(-x)) ** 2],
    ['sigmoid', (x) => Math.exp(-Math.abs(x)) / (1 + Math.exp(-Math.abs(x))) ** 2],
    ['sech', (x) => (-2 * (Math.exp(x) - Math.exp(-x))) / (Math.exp(x) + Math.exp(-x)) ** 2],
    ['csch', (x) => (-2 * (Math.exp(x) + Math.exp(-x))) / (Math.exp(x) - Math.exp(-x)) ** 2],
    ['softplus', (x) => 1 / (1 + Math.exp(-x))],
  ];
  for (const [name, derivative] of tails) {
    it(name, () => {
      const def = OPS[name] as FixedOpDef;
      const numeric = (NUMERIC_PARTIALS[OP_CODE[name]] ?? [])[0] as (
        x: number,
        y: number,
        z: number,
      ) => number;
      for (const x of [-300, -40, -20, 20, 40, 300]) {
        const expected = derivative(x);
        const got = numeric(x, Number.NaN, def.value(x, Number.NaN));
        expect(
          Math.abs(got - expected) <= 1e-12 * Math.abs(expected),
          `${name}′(${x}) = ${got}, closed form ${expected}`,
        ).toBe(true);
      }
    });
  }
});
