/** mathjs's single-file build (see src/ir/mathjs-lib.ts): the same library as the package's main entry. */
declare module 'mathjs/lib/browser/math.js' {
  const math: typeof import('mathjs');
  export = math;
}
