// mathjs's single-file build, required from CommonJS: an ES module importing it directly would have Node scan
// its 650 kB for named exports (cjs-module-lexer, about 50 ms of every start-up that parses).
import math = require('mathjs/lib/browser/math.js');
export = math;
