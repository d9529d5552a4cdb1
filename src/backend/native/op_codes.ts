/**
 * Op codes of the native kernels: an op's code is its position in the lists of src/backend/backend.ts, which
 * the C enums in `csrc/elementwise.c` and `csrc/reduce_copy.c` follow. The conformance tests run every op on
 * both CPU kernel sets, so an enum out of step with its list fails there.
 */

/** name -> code lookup for one of backend.ts's op lists. */
export function codeTable<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<T, number>;
}
