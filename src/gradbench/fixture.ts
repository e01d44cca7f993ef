/**
 * Fixture files: the public fixtures' format (one JSON object: `eval`, `module`, `rounds` of `function`,
 * `description`, `input`, `expected`), or JSON Lines of evaluate messages as an eval sends them (other kinds
 * of message are skipped; an `expected` field, if present, is the golden output).
 */
import { DifflabError } from '../ir/errors.js';

/** One evaluate the eval side sends. */
export interface FixtureRound {
  function: string;
  description?: string;
  input: unknown;
  /** The golden output, when known. */
  expected?: unknown;
}

export interface Fixture {
  eval: string;
  module: string;
  rounds: FixtureRound[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function round(o: Record<string, unknown>, where: string): FixtureRound {
  if (typeof o.function !== 'string' || !Object.hasOwn(o, 'input')) {
    throw new DifflabError('invalid-argument', `${where}: a round needs a function name and an input`);
  }
  return {
    function: o.function,
    ...(typeof o.description === 'string' ? { description: o.description } : {}),
    input: o.input,
    ...(Object.hasOwn(o, 'expected') ? { expected: o.expected } : {}),
  };
}

/** Reads a fixture from its text; `jsonl` says which of the two formats it is in. */
export function parseFixture(text: string, jsonl: boolean): Fixture {
  if (!jsonl) {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      throw new DifflabError('invalid-argument', `the fixture is not valid JSON: ${(e as Error).message}`);
    }
    if (!isObject(o) || typeof o.module !== 'string' || !Array.isArray(o.rounds)) {
      throw new DifflabError('invalid-argument', 'the fixture needs a module name and a list of rounds');
    }
    return {
      eval: typeof o.eval === 'string' ? o.eval : o.module,
      module: o.module,
      rounds: o.rounds.map((r, i) => {
        if (!isObject(r)) throw new DifflabError('invalid-argument', `round ${i} is not an object`);
        return round(r, `round ${i}`);
      }),
    };
  }
  const rounds: FixtureRound[] = [];
  let module: string | undefined;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new DifflabError('invalid-argument', `line ${i + 1} is not valid JSON`);
    }
    if (!isObject(o) || (o.kind !== undefined && o.kind !== 'evaluate')) return;
    if (typeof o.module !== 'string') throw new DifflabError('invalid-argument', `line ${i + 1}: no module`);
    if (module !== undefined && o.module !== module) {
      throw new DifflabError('invalid-argument', `line ${i + 1}: a second module ${o.module} (one per file)`);
    }
    module = o.module;
    rounds.push(round(o, `line ${i + 1}`));
  });
  if (module === undefined) throw new DifflabError('invalid-argument', 'the file holds no evaluate messages');
  return { eval: module, module, rounds };
}
