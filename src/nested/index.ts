/**
 * Nested differentiation: tagged dual numbers and tagged tapes that combine in any order (forward over
 * forward, forward over reverse, reverse over forward, reverse over reverse) without perturbation confusion.
 */
export {
  type Mode,
  type NestedFunction,
  type NestedGradient,
  nestedFunction,
  nestedGradient,
  nestedJvp,
  nestedSum,
} from './derivative.js';
export { evaluateNested } from './evaluate.js';
export { dropTag, NUM, type Num, primal, TaggedDual, Tape, Tracked, tagOf, tangentOf } from './num.js';
