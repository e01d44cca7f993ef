/**
 * mathjs, from its single-file build. The package's ES-module build is about 1,100 modules that Node loads and
 * links one by one: `import('mathjs')` took about 0.8 s on a quiet 2-core machine, which every command that
 * parses paid before doing anything. The single-file build (`mathjs/lib/browser/math.js`, an export of the same
 * package and version, built from the same source) took about 0.06 s to load, and 0.19 s with a parse, a
 * derivative and a simplify (0.85–0.89 s by the ES-module build). Everything difflab uses of mathjs comes through
 * here; the types are the package's own.
 */
import type * as MathJs from 'mathjs';
import math from './mathjs-bundle.cjs';

const m = math as typeof MathJs;
// Exact comparisons: with mathjs's default tolerances (absTol 1e−15) derivative() and simplify() take a constant
// below 1e−15 for 0, so d/dx x^1e−300 came out 0 (truth 1e−300·x^(−1)) and d/dy 1e−300^y came out 0.
(m as unknown as MathJs.MathJsInstance).config({ absTol: 0, relTol: Number.MIN_VALUE });

export type MathNode = MathJs.MathNode;
export type ConstantNode = MathJs.ConstantNode;
export type FunctionNode = MathJs.FunctionNode;
export type OperatorNode = MathJs.OperatorNode;
export type ParenthesisNode = MathJs.ParenthesisNode;
export type SymbolNode = MathJs.SymbolNode;

export const ConstantNode = m.ConstantNode;
export const FunctionNode = m.FunctionNode;
export const OperatorNode = m.OperatorNode;
export const ParenthesisNode = m.ParenthesisNode;
export const SymbolNode = m.SymbolNode;
export const parse = m.parse;
export const derivative = m.derivative;
export const simplify = m.simplify;
export const isConstantNode = m.isConstantNode;
export const isFunctionNode = m.isFunctionNode;
export const isOperatorNode = m.isOperatorNode;
export const isParenthesisNode = m.isParenthesisNode;
export const isSymbolNode = m.isSymbolNode;
