/**
 * Every exact way difflab computes a gradient: forward and reverse mode on both backends, the two symbolic
 * engines, and nested forward and reverse mode over the program. Tests that hold a property across methods
 * loop over this.
 */
import { methods, type Program } from '../../src/index.js';
import { evaluateNested, type Num, nestedGradient } from '../../src/nested/index.js';

export type GradientBy = (f: Program, x: readonly number[]) => Float64Array;

function nested(mode: 'forward' | 'reverse'): GradientBy {
  return (f, x) => {
    const g = nestedGradient((xs: readonly Num[]) => evaluateNested(f, xs)[0] as Num, x, mode).gradient;
    return Float64Array.from(g, (t) => t as number);
  };
}

export const EXACT_METHODS: Readonly<Record<string, GradientBy>> = {
  forward: (f, x) => methods.forward.gradient(f, x).value,
  'forward (compiled)': (f, x) => methods.forward.gradient(f, x, { backend: 'compile' }).value,
  reverse: (f, x) => methods.reverse.gradient(f, x).value,
  'reverse (compiled)': (f, x) => methods.reverse.gradient(f, x, { backend: 'compile' }).value,
  'symbolic (graph)': (f, x) => methods.symbolic.gradient(f, x, { engine: 'graph' }).value,
  'symbolic (mathjs)': (f, x) => methods.symbolic.gradient(f, x, { engine: 'mathjs' }).value,
  'nested forward': nested('forward'),
  'nested reverse': nested('reverse'),
};
