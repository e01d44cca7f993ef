/**
 * The reference mathjs: an instance with `predictable: true`, so that real arguments give real results (NaN
 * rather than complex numbers), as difflab's IEEE semantics do.
 *
 * mathjs compares numbers with tolerances (relative 1e−12, absolute 1e−15), so its max and min return the
 * first of two arguments that are merely close: max(0, 5e−324) is 0. difflab's max and min are exact, as
 * Math.max is. The tolerances are set to their smallest values here (mathjs refuses a relative 0), which makes
 * mathjs's comparisons exact and leaves every other function as it was.
 */
import { all, create, type MathNode } from 'mathjs';

export const predictable = create(all as NonNullable<typeof all>, {
  predictable: true,
  relTol: Number.MIN_VALUE,
  absTol: 0,
});

/**
 * One more difference in max and min: of equal arguments mathjs returns the first, so max(0, −0) is 0 but
 * max(−0, 0) is −0, where IEEE 754-2019 (Math.max, and difflab) orders −0 below +0. Only the sign of a zero
 * result is at stake (and 1/max(0, −0) then); for a zero result the reference defers to Math.max.
 */
const mathjsMax = predictable.max as (...xs: number[]) => number;
const mathjsMin = predictable.min as (...xs: number[]) => number;
predictable.import(
  {
    max: (...xs: number[]) => {
      const r = mathjsMax(...xs);
      return r === 0 ? Math.max(...xs) : r;
    },
    min: (...xs: number[]) => {
      const r = mathjsMin(...xs);
      return r === 0 ? Math.min(...xs) : r;
    },
  },
  { override: true },
);

type AnyNode = MathNode & {
  args?: MathNode[];
  content?: MathNode;
  fn?: MathNode | string;
  op?: string;
  name?: string;
  value?: unknown;
  implicit?: boolean;
};

/**
 * Rebuilds a tree made with the default mathjs instance (as `toMathjs` returns) from the predictable
 * instance's node classes, so that evaluating it uses the predictable configuration. Test trees are small, so
 * plain recursion is fine here.
 */
export function toPredictable(node: MathNode): MathNode {
  const n = node as AnyNode;
  const m = predictable;
  switch (n.type) {
    case 'ConstantNode':
      return new m.ConstantNode(n.value as number);
    case 'SymbolNode':
      return new m.SymbolNode(n.name as string);
    case 'ParenthesisNode':
      return new m.ParenthesisNode(toPredictable(n.content as MathNode));
    case 'OperatorNode':
      return new m.OperatorNode(
        n.op as never,
        n.fn as never,
        (n.args ?? []).map(toPredictable),
        n.implicit ?? false,
      );
    case 'FunctionNode':
      return new m.FunctionNode(
        new m.SymbolNode((n.fn as AnyNode).name as string),
        (n.args ?? []).map(toPredictable),
      );
    default:
      throw new Error(`toPredictable: unexpected ${n.type}`);
  }
}

/** Evaluates a mathjs tree with the predictable instance. */
export function evaluateTree(node: MathNode, scope: Record<string, number>): number {
  return toPredictable(node).evaluate({ ...scope }) as number;
}
