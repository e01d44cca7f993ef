/**
 * The tests that run the compiled backend check its generated code, whatever its speed: tiering (which runs
 * the interpreter until the generated code is faster, src/sweeps/compiled/tier.ts) is off, but in the tests of
 * tiering itself.
 */
import { setTiering } from '../../src/sweeps/index.js';

setTiering(false);
