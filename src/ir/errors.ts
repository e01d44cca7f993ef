/** Machine-readable error codes. Every error difflab raises carries one. */
export type ErrorCode =
  | 'syntax' // the source is not valid mathjs syntax
  | 'unknown-function' // a function name difflab does not know
  | 'unsupported' // valid mathjs, but outside difflab's scalar language (matrices, units, assignments, ...)
  | 'arity' // an operation called with the wrong number of arguments
  | 'unbound-variable' // a variable was given no value at evaluation
  | 'bad-point' // a point of the wrong length or with non-numeric entries
  | 'too-deep' // nesting beyond what a recursive third-party routine (mathjs) can follow
  | 'non-finite' // a checked evaluation produced NaN or ±Infinity
  | 'graph-mismatch' // expressions from two different graphs were combined
  | 'not-differentiable' // a method cannot differentiate an operation (complex step through abs, ...)
  | 'budget' // a symbolic expression grew past its node budget
  | 'gradcheck' // gradcheck(..., { raise: true }) found a derivative out of tolerance
  | 'invalid-argument'; // any other bad argument to a public function

/** The one error class difflab throws. `code` is stable; `message` is for people. */
export class DifflabError extends Error {
  override readonly name = 'DifflabError';
  readonly code: ErrorCode;
  /** 0-based character offset into `source`, where it applies. */
  readonly position: number | undefined;
  /** The source text the error refers to, where it applies. */
  readonly source: string | undefined;
  /** The subexpression at fault, printed in mathjs syntax, where it applies. */
  readonly subexpression: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details: { position?: number; source?: string; subexpression?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.position = details.position;
    this.source = details.source;
    this.subexpression = details.subexpression;
  }

  /**
   * The line of the source holding the position with a caret under it, when both are known ('' otherwise).
   * A source may span lines; tabs before the position are kept so the caret lines up where tabs are wide.
   */
  caret(): string {
    if (this.source === undefined || this.position === undefined) return '';
    const at = Math.max(0, this.position);
    const start = at === 0 ? 0 : this.source.lastIndexOf('\n', at - 1) + 1;
    const end = this.source.indexOf('\n', at);
    const line = this.source.slice(start, end < 0 ? undefined : end);
    return `${line}\n${line.slice(0, at - start).replace(/[^\t]/g, ' ')}^`;
  }
}
