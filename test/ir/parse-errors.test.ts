/**
 * What parse refuses, and how it says so: syntax errors located by position and caret, and valid mathjs
 * outside difflab's scalar language, each by its code and a message naming the construct.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/ir/index.js';
import { expectDifflabError } from './support/errors.js';

/**
 * Syntax errors carry the 0-based position of the offending character, and `caret()` draws the source line
 * with a caret in that column.
 */
/** The caret's column and the line above it, checked against the position. */
function caretPoint(caret: string): { line: string; column: number } {
  const lines = caret.split('\n');
  expect(lines).toHaveLength(2);
  const marks = lines[1] as string;
  expect(marks.trimEnd().endsWith('^')).toBe(true);
  return { line: lines[0] as string, column: marks.indexOf('^') };
}

describe('syntax errors', () => {
  it.each([
    ['2 + * 3', 4, '*'],
    ['x ^^ 2', 3, '^'],
    ['1 + 2 3)', 6, '3'],
    ['sin(x))', 6, ')'],
    ['3 + @', 4, '@'],
    ['x == == 2', 5, '='],
  ])('%j: position %d at %j, caret under it', (source, position, char) => {
    const error = expectDifflabError(() => parse(source), 'syntax');
    expect(error.position).toBe(position);
    expect(source[position]).toBe(char);
    expect(error.source).toBe(source);
    expect(error.message).toMatch(/^syntax error: /);
    expect(error.message).not.toMatch(/\(char \d+\)/);
    const { line, column } = caretPoint(error.caret());
    expect(line).toBe(source);
    expect(column).toBe(position);
    expect(line[column]).toBe(char);
  });

  it.each([
    ['x +', 3],
    ['(x + 2', 6],
    ['sin(x,', 6],
  ])('%j: unexpected end, position %d just past the last character', (source, position) => {
    const error = expectDifflabError(() => parse(source), 'syntax');
    expect(error.position).toBe(position);
    expect(position).toBe(source.length);
    expect(caretPoint(error.caret()).column).toBe(source.length);
  });

  it('an empty source is a syntax error at position 0', () => {
    for (const source of ['', '   ']) {
      const error = expectDifflabError(() => parse(source), 'syntax');
      expect(error.position).toBe(0);
      expect(error.message).toMatch(/empty/);
    }
  });

  it('in a source spanning lines, the caret goes under the offending character of its own line', () => {
    const source = '(x +\n\t * 2)';
    const error = expectDifflabError(() => parse(source), 'syntax');
    expect(error.position).toBe(source.indexOf('*'));
    const { line, column } = caretPoint(error.caret());
    expect(line).toBe('\t * 2)');
    expect(line[column]).toBe('*');
    // The tab is repeated in the caret line, so the caret lines up at any tab width.
    expect(error.caret().split('\n')[1]).toBe('\t ^');
  });

  it('the syntax error of one source of several names that source', () => {
    const error = expectDifflabError(() => parse(['x + 1', 'x + * 1']), 'syntax');
    expect(error.source).toBe('x + * 1');
    expect(error.position).toBe(4);
  });
});

/**
 * Valid mathjs outside difflab's scalar language is refused with code 'unsupported' (or 'unknown-function',
 * 'arity') and a message that says what and why.
 */
describe('unsupported mathjs syntax', () => {
  it.each([
    ['matrices', '[1, 2]', /matrices and vectors are not supported/],
    ['assignments', 'a = 2', /assignments are not supported/],
    ['function definitions', 'f(x) = x^2', /function definitions are not supported/],
    ['units', '5 cm to inch', /unit conversion \('to'\) is not supported/],
    ['strings', '"a"', /strings are not supported/],
    ['comparisons', 'x < 2', /comparison '<' is not supported/],
    ['equality', 'x == 2', /comparison '==' is not supported/],
    ['chained comparisons', 'x < y < z', /comparisons are not supported/],
    ['conditionals', 'x > 0 ? x : 0', /conditional operator '\? :' is not supported/],
    ['blocks', 'x; y', /multiple statements are not supported/],
    ['ranges', '1:3', /ranges are not supported/],
    ['objects', '{a: 1}', /objects are not supported/],
    ['indexing', 'x[1]', /not supported/],
    ['property access', 'a.b', /property access is not supported/],
    ['calling a property', 'a.sin(x)', /property access is not supported/],
    ['booleans', 'true + x', /the constant true is not supported/],
    ['complex numbers', '2 + i', /complex numbers \('i'\) are not supported/],
  ])('%s (%j)', (_, source, message) => {
    const error = expectDifflabError(() => parse(source), 'unsupported');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/not supported/);
  });

  it('a string is located at its opening quote', () => {
    const error = expectDifflabError(() => parse('x + "a"'), 'unsupported');
    expect(error.position).toBe(4);
  });

  it.each([
    ['%', '5 % 2', 'mod'],
    ['!', 'x!', 'factorial'],
    ['&', 'x & y', 'bitAnd'],
    ["'", "x'", 'ctranspose'],
  ])('the operator %s is named in the message', (op, source, fn) => {
    const error = expectDifflabError(() => parse(source), 'unsupported');
    expect(error.message).toContain(`'${op}'`);
    expect(error.message).toContain(fn);
    expect(error.message).toMatch(/not supported/);
  });

  it('logical operators are named', () => {
    const error = expectDifflabError(() => parse('x and y'), 'unsupported');
    expect(error.message).toMatch(/logical operator 'and' is not supported/);
  });

  it('an unknown function is named and located', () => {
    const error = expectDifflabError(() => parse('2 * foo(x)'), 'unknown-function');
    expect(error.message).toContain("'foo'");
    expect(error.position).toBe(4);
    expect(error.caret().split('\n')[1]).toBe('    ^');
  });

  it.each([
    ['sin(x, y)', 'sin', /sin takes 1 argument\(s\), got 2/],
    ['log(x, y, z)', 'log', /log takes 1 or 2 argument\(s\), got 3/],
    ['atan(x, y)', 'atan', /atan takes 1 argument\(s\), got 2/],
    ['max()', 'max', /max takes 2 argument\(s\), got 0/],
    ['sum()', 'sum', /sum needs at least one argument/],
  ])('wrong arity: %j', (source, name, message) => {
    const error = expectDifflabError(() => parse(source), 'arity');
    expect(error.message).toContain(name);
    expect(error.message).toMatch(message);
  });
});
