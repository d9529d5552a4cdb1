/**
 * Shrinks a strided iteration before it goes to a kernel: size-1 dimensions are dropped and neighbouring
 * dimensions merged wherever every stride set walks them as one (stride[k] == stride[k+1] * shape[k+1]).
 * Row-major order of the iteration is preserved, so a linear output index keeps its meaning.
 */

/** A collapsed iteration: its shape and one stride array per input stride set. */
export interface Collapsed {
  /** The collapsed shape (no size-1 axes; mergeable neighbours merged). */
  shape: number[];
  /** One stride array per input stride set, each the length of `shape`. */
  strides: number[][];
}

/** Collapses `shape` with the given stride sets (each the length of shape). */
export function collapseDims(
  shape: readonly number[],
  strideSets: readonly (readonly number[])[],
): Collapsed {
  const keep: number[] = [];
  for (let k = 0; k < shape.length; k++) if (shape[k] !== 1) keep.push(k);
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (const k of keep) {
    const last = outShape.length - 1;
    const mergeable = last >= 0 &&
      strideSets.every((s, i) => outStrides[i][last] === s[k] * shape[k]);
    if (mergeable) {
      outShape[last] *= shape[k];
      strideSets.forEach((s, i) => (outStrides[i][last] = s[k]));
    } else {
      outShape.push(shape[k]);
      strideSets.forEach((s, i) => outStrides[i].push(s[k]));
    }
  }
  return { shape: outShape, strides: outStrides };
}
