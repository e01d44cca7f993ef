/**
 * The commands as yargs sees them: name, description and options. Each handler is loaded by a dynamic
 * `import()` when its command runs, so `difflab --help` and every command load only what they use (the
 * report's Vega and marked, the expression parser's mathjs, ...).
 */
import type { Argv, CommandModule } from 'yargs';
import type { CheckArgs } from './check.js';
import type { GradArgs } from './grad.js';
import type { RunArgs, ToolArgs } from './gradbench.js';
import type { HessianArgs } from './hessian.js';
import type { JacobianArgs } from './jacobian.js';
import {
  BACKENDS,
  functionOptions,
  LECTURE_EXAMPLE,
  METHODS,
  methodFlags,
  methodOption,
  nonNegative,
  outputOptions,
  pointOptions,
  positiveInteger,
  type ReportArgs,
  SPARSE_HESSIAN_WORKLOADS,
  SPARSE_JACOBIAN_WORKLOADS,
  type SuiteArgs,
  scaleK,
  sparseOptions,
  suiteOptions,
} from './options.js';
import type { ServeArgs } from './serve.js';
import type { SwellArgs } from './swell.js';
import type { TraceArgs } from './trace.js';

type Handler<A> = (args: A) => void | Promise<void>;

/** A handler that loads its module when the command runs. */
function lazy<A>(load: () => Promise<{ handler: Handler<A> }>): Handler<A> {
  return async (args) => (await load()).handler(args);
}

/** A command: its options are built here, its handler loaded on use. */
function command<A>(
  spec: { command: string; describe: string; builder: (y: Argv) => Argv<A> },
  load: () => Promise<{ handler: Handler<A> }>,
): CommandModule {
  // Typed per command above; yargs takes the list of commands untyped.
  return { ...spec, handler: lazy(load) } as unknown as CommandModule;
}

const grad = command<GradArgs>(
  {
    command: 'grad [expr]',
    describe: 'Value and gradient of an expression at a point',
    builder: (y) =>
      methodOption(methodFlags(functionOptions(y)), true)
        .example('$0 grad', "the lecture's example L(w) = (wᵀx − y)² + λ·wᵀw at w = (3, 4)")
        .example("$0 grad 'x^2 * sin(y)' --at x=1,y=2 --method all", 'all four methods side by side')
        .example("$0 grad 'x^2 * sin(y)' --at @point.json", 'the point from a JSON file')
        .example(
          "$0 grad 'x^2 * sin(y)' --at x=1,y=2 -m numeric --scheme richardson",
          'one method, its options',
        )
        .example(
          "$0 grad 'x^2 * sin(y)' --at x=1,y=2 --backend compile",
          'by generated JavaScript',
        ) as Argv<GradArgs>,
  },
  () => import('./grad.js'),
);

const trace = command<TraceArgs>(
  {
    command: 'trace [expr]',
    describe: 'The sweeps of reverse (or forward) mode, value by value',
    builder: (y) =>
      functionOptions(y)
        .option('mode', {
          choices: ['reverse', 'forward'] as const,
          default: 'reverse' as const,
          describe: 'Which sweep to show',
        })
        .option('seed', {
          type: 'string',
          describe: 'Forward mode: the variable to differentiate along (default: the first)',
        })
        .example(
          '$0 trace',
          "the lecture's example: a = 11, b = 11, c = 121, ..., then ∂L/∂c = 1, ..., ∂L/∂b = 22",
        ) as unknown as Argv<TraceArgs>,
  },
  () => import('./trace.js'),
);

const check = command<CheckArgs>(
  {
    command: 'check [expr]',
    describe: 'Check every exact method against central differences (like gradcheck)',
    builder: (y) =>
      methodFlags(functionOptions(y))
        .option('rtol', {
          type: 'number',
          default: 1e-6,
          coerce: nonNegative('rtol'),
          describe: 'Relative tolerance',
        })
        .option('atol', {
          type: 'number',
          default: 1e-9,
          coerce: nonNegative('atol'),
          describe: 'Absolute tolerance',
        })
        .epilog(
          'An entry agrees when |exact − numeric| ≤ atol + rtol·|numeric|. Central differences with ' +
            'h = ε^(1/3)·max(1, |x|) are accurate to about 1e-10 relative on smooth functions, so the defaults ' +
            'leave room for curvature; at a kink (abs, relu, max) finite differences cannot agree. ' +
            '--scheme and --step set the finite differences; --engine keeps one symbolic engine (default both).',
        )
        .example(
          "$0 check 'x^2 * sin(y)' --at x=1,y=2",
          'exit status 0 if every method agrees',
        ) as Argv<CheckArgs>,
  },
  () => import('./check.js'),
);

const jacobian = command<JacobianArgs>(
  {
    command: 'jacobian [exprs..]',
    describe: 'Jacobian of several expressions at a point',
    builder: (y) =>
      sparseOptions(
        outputOptions(methodFlags(pointOptions(y))).option('method', {
          alias: 'm',
          choices: [...METHODS, 'mixed'],
          default: 'reverse',
          describe:
            'How to differentiate; mixed splits the function at its narrowest cut and takes each part by its cheaper mode',
        }),
        SPARSE_JACOBIAN_WORKLOADS,
      )
        .positional('exprs', { type: 'string', array: true, describe: 'One expression per output' })
        .option('file', {
          alias: 'f',
          type: 'string',
          describe: 'Read the expressions from a file, one per line',
        })
        .example("$0 jacobian 'x*y' 'sin(x) + y^2' --at x=1,y=2", 'a 2 × 2 Jacobian')
        .example(
          '$0 jacobian --sparse --workload bratu --size 1000000 -m forward',
          'a tridiagonal Jacobian from 3 colours',
        )
        .example(
          "$0 jacobian 'tanh(2*x + y)' 'tanh(x - y)' 'tanh(x + y)' --at x=1,y=2 --method mixed",
          'by mixed mode',
        ) as unknown as Argv<JacobianArgs>,
  },
  () => import('./jacobian.js'),
);

const hessian = command<HessianArgs>(
  {
    command: 'hessian [expr]',
    describe: 'Hessian of an expression at a point (forward over reverse)',
    builder: (y) =>
      sparseOptions(functionOptions(y), SPARSE_HESSIAN_WORKLOADS)
        .example("$0 hessian 'x^2 * y' --at x=1,y=2", '[[2y, 2x], [2x, 0]]')
        .example(
          '$0 hessian --sparse --workload rosenbrock --size 1000000',
          'a tridiagonal Hessian from 3 Hessian-vector products',
        ) as Argv<HessianArgs>,
  },
  () => import('./hessian.js'),
);

const report = command<ReportArgs>(
  {
    command: 'report',
    describe: 'Run the benchmark suite and write a report folder (Markdown, JSON, CSV, HTML, SVG)',
    builder: (y) =>
      suiteOptions(y)
        .option('out', {
          alias: 'o',
          type: 'string',
          default: 'difflab-report',
          describe: 'Folder to write the report into (checked before the run starts)',
        })
        .option('format', { type: 'string', describe: 'Formats: md, json, csv, html, svg (default: all)' })
        .option('sections', {
          type: 'string',
          describe:
            'Sections to run, comma-separated (default: every section; an unknown name is answered with the list)',
        })
        .option('scale-k', {
          type: 'number',
          default: 0,
          coerce: scaleK,
          describe: 'Performance: also time ridge at this K (10000000 for the scale claim; 0 skips it)',
        })
        .option('peers', {
          type: 'string',
          describe:
            'Include a peer benchmark (npm run bench:peers) from this peers.json (default: <out>/peers/peers.json if it exists)',
        })
        .option('native', {
          type: 'string',
          describe:
            'GradBench’s C++ reference binaries (a folder; default: $DIFFLAB_GRADBENCH_NATIVE): time them beside difflab (native section)',
        })
        .example(
          '$0 report --sections performance --scale-k 10000000',
          'reverse mode against f, and ridge at K = 10⁷',
        )
        .example('$0 report', 'the default suite (about 3½ minutes on 2 cores) into ./difflab-report')
        .example('$0 report --quick --out /tmp/r', 'a smoke test in seconds') as unknown as Argv<ReportArgs>,
  },
  () => import('./report.js'),
);

const bench = command<SuiteArgs>(
  {
    command: 'bench',
    describe: 'Time full gradients by each method at growing K, and fit the growth exponents',
    builder: (y) =>
      suiteOptions(y).example(
        '$0 bench --workloads ridge --sizes 64,256,1024',
        'one workload at three sizes',
      ),
  },
  () => import('./bench.js'),
);

const swell = command<SwellArgs>(
  {
    command: 'swell',
    describe: 'Expression swell: sizes of symbolic derivative trees against DAGs and tapes',
    builder: (y) =>
      y
        .option('quick', { type: 'boolean', default: false, describe: 'Small sizes only' })
        .option('workloads', { type: 'string', describe: 'product, logistic-map, nested (comma-separated)' })
        .option('sizes', {
          type: 'string',
          describe: 'Sizes K or depths n for every chosen workload, comma-separated',
        })
        .option('budget', {
          type: 'number',
          describe: 'mathjs derivative-tree nodes before giving up (default 1e6)',
        })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'Print JSON',
        }) as unknown as Argv<SwellArgs>,
  },
  () => import('./swell.js'),
);

/** GradBench's method and backend flags. */
function toolOptions<T>(y: Argv<T>): Argv<T & ToolArgs> {
  return y
    .option('method', {
      type: 'string',
      choices: METHODS as string[],
      default: 'reverse',
      describe: 'How derivatives are taken (particle and saddle name their own nested modes)',
    })
    .option('backend', {
      type: 'string',
      choices: BACKENDS as string[],
      default: 'interpret',
      describe: 'How the methods run their sweeps',
    }) as unknown as Argv<T & ToolArgs>;
}

const gradbench = command<ToolArgs>(
  {
    command: 'gradbench',
    describe: 'Be a GradBench tool on standard input/output, or run a fixture locally (gradbench run)',
    builder: (y) =>
      toolOptions(y)
        .command({
          command: 'run <fixture>',
          describe: 'Play the eval side of a fixture (.json or .jsonl) and check every answer',
          builder: (r: Argv) =>
            toolOptions(r)
              .positional('fixture', { type: 'string', demandOption: true, describe: 'A fixture file' })
              .option('min-runs', {
                type: 'number',
                coerce: positiveInteger('min-runs'),
                describe: "Override the fixture's min_runs",
              })
              .option('min-seconds', {
                type: 'number',
                coerce: nonNegative('min-seconds'),
                describe: "Override the fixture's min_seconds",
              })
              .option('json', { type: 'boolean', default: false, describe: 'Print the results as JSON' }),
          handler: async (args) => (await import('./gradbench.js')).runHandler(args as unknown as RunArgs),
        })
        .example('$0 gradbench --method reverse', 'answer GradBench messages on standard input')
        .example(
          '$0 gradbench run gmm.json',
          'run a fixture and print checks and timings',
        ) as unknown as Argv<ToolArgs>,
  },
  () => import('./gradbench.js'),
);

const serve = command<ServeArgs>(
  {
    command: 'serve',
    describe: 'Serve the interactive page: type an expression, see the four methods side by side',
    builder: (y) =>
      y
        .option('port', { type: 'number', default: 8123, describe: 'Port to listen on (0: any free port)' })
        .option('host', {
          type: 'string',
          default: '127.0.0.1',
          describe: 'Address to listen on (the default serves this machine only)',
        })
        .example('$0 serve', 'then open http://127.0.0.1:8123/ in a browser') as unknown as Argv<ServeArgs>,
  },
  () => import('./serve.js'),
);

/** Every command, in the order --help lists them. */
export const COMMANDS: CommandModule[] = [
  grad,
  trace,
  check,
  jacobian,
  hessian,
  report,
  bench,
  swell,
  gradbench,
  serve,
];

export { LECTURE_EXAMPLE };
