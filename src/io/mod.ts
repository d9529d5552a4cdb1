/**
 * File formats and terminal output, with no tensors: safetensors and npy codecs, JSON lines, TensorBoard
 * event files, atomic writes, progress lines, tables and SVG charts.
 *
 * @example
 * ```ts
 * import { loadSafetensors, saveSafetensors } from "./src/io/mod.ts";
 * saveSafetensors("/tmp/x.safetensors", { w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } });
 * console.log(loadSafetensors("/tmp/x.safetensors").tensors.w.shape); // [2]
 * ```
 * @module
 */
export {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
  saveSafetensors,
} from "./safetensors.ts";
export {
  encodeNpy,
  type NpyArray,
  type NpyData,
  type NpyDtype,
  parseNpy,
  readNpy,
  readNpyAsFloat32,
  readNpyAsInt32,
  writeNpy,
} from "./npy.ts";
export { JsonlWriter, readJsonl } from "./jsonl.ts";
export { readTensorBoardScalars, type TensorBoardScalar, TensorBoardWriter } from "./tensorboard.ts";
export { ensureDir, writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
export { formatDuration, Progress, type ProgressOptions, type ProgressUpdate } from "./progress.ts";
export { formatTable, type TableCell, type TableOptions } from "./table.ts";
export {
  type BarChartOptions,
  barChartSvg,
  type BarSeries,
  type LineChartOptions,
  lineChartSvg,
  type LineSeries,
} from "./svg_chart.ts";
