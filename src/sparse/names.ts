/** The sparse workloads' names by kind (no imports: the command line lists them without loading the IR). */
export const SPARSE_JACOBIAN_WORKLOADS = ['bratu', 'laplace2d', 'bundle'] as const;
export const SPARSE_HESSIAN_WORKLOADS = ['rosenbrock', 'bundle-lsq'] as const;
