/**
 * The derivative expressions the README documents are exported: mathjs trees (mathjsDerivatives) and
 * programs over the shared DAG (graphDerivative), checked by evaluating them against closed forms.
 */
import { evaluate as mathjsEvaluate } from 'mathjs';
import { describe, expect, it } from 'vitest';
import {
  evaluate,
  graphDerivative,
  mathjsDerivativeProgram,
  mathjsDerivatives,
  parse,
} from '../../src/index.js';

const LECTURE = '(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)';

describe('derivative expressions from the package entry point', () => {
  it('mathjsDerivatives: mathjs trees a mathjs user can print and evaluate', () => {
    // ∂/∂x x²y = 2xy, ∂/∂y x²y = x²
    const d = mathjsDerivatives(parse('x^2 * y'));
    const [dx, dy] = d.trees[0] ?? [];
    expect(dx?.evaluate({ x: 3, y: 2 })).toBe(12);
    expect(dy?.evaluate({ x: 3, y: 2 })).toBe(9);
    // Printed and parsed back by mathjs, the tree is still ∂/∂x.
    expect(mathjsEvaluate(dx?.toString() ?? '', { x: 3, y: 2 })).toBe(12);
    expect(d.treeSize).toBeGreaterThan(0);
  });

  it('mathjsDerivativeProgram and graphDerivative: the worked example’s gradient [52, 84] at w = [3, 4]', () => {
    const f = parse(LECTURE);
    expect(Array.from(evaluate(mathjsDerivativeProgram(f).program, [3, 4]))).toEqual([52, 84]);
    const g = graphDerivative(f);
    expect(Array.from(evaluate(g.program, [3, 4]))).toEqual([52, 84]);
  });
});
