/**
 * Sparse Jacobians and Hessians: sparsity detection on the IR, graph colouring, and compressed sweeps.
 */
export { type BlockVisitor, blockJacobian, rowBlocks } from './blocks.js';
export {
  COLOURING_LIMIT,
  type Colouring,
  colourColumns,
  colourRows,
  columnWork,
  type Ordering,
  starColour,
  starWork,
  transpose,
} from './colour.js';
export {
  recoverStar,
  type SparseHessianOptions,
  type SparseJacobianOptions,
  type SparseMatrix,
  type SparseResult,
  sparseHessian,
  sparseJacobian,
  toDense,
} from './compressed.js';
export { hessianPattern, jacobianPattern, nnz, PAIR_LIMIT, type Pattern } from './pattern.js';
export { type SparseWorkload, sparseWorkload, sparseWorkloads } from './workloads.js';
