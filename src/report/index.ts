/**
 * `difflab/report`: the report's parts, for code that builds its own report or reads one section's numbers
 * (each section's measurement, views and constants, the registry, the measuring harness, the HTML page, the
 * chart helpers) and `writeReport`, which writes a report folder (Node only). The main entry point `difflab`
 * exports what most users call: `runReport`, `parseResults`, `displayResults` and the section interface.
 */
export * from './chart.js';
export * from './files.js';
export * from './fit.js';
export * from './harness.js';
export * from './html.js';
export * from './registry.js';
export * from './results.js';
export * from './run.js';
export * from './section.js';
export * from './sections/accuracy/accuracy.js';
export * from './sections/accuracy/index.js';
export * from './sections/gradbench/gradbench.js';
export * from './sections/gradbench/index.js';
export * from './sections/jacobian-shape/index.js';
export * from './sections/memory/index.js';
export * from './sections/mixed/index.js';
export * from './sections/native/index.js';
export * from './sections/native/native.js';
export * from './sections/peers/index.js';
export * from './sections/performance/index.js';
export * from './sections/performance/performance.js';
export * from './sections/scaling/index.js';
export * from './sections/scaling/scaling.js';
export * from './sections/sparsity/index.js';
export * from './sections/swell/index.js';
export * from './sections/swell/swell.js';
export * from './table.js';
export * from './views.js';
