/**
 * The one table of random streams: every purpose that draws random numbers from a
 * `new Philox(seed, stream)` (src/random/philox.ts) gets its own stream id (a Philox / cuRAND
 * subsequence) here, so no two purposes ever draw the same sequence under the same seed.
 *
 * Layout (ids are Philox subsequences; each entry owns the ids [base, base + span)):
 *
 * | block                 | ids                   | purposes                                             |
 * | --------------------- | --------------------- | ---------------------------------------------------- |
 * | synthetic dataset     | 0 .. 4                | patterns, synergy permutation, ssl, probe splits     |
 * | trifeatures dataset   | 10_000 .. 10_005      | combo shuffle, synergy permutation, render, pairs    |
 * | avmnist dataset       | 20_000 .. 20_002      | recording draws of the train / val / test pairs      |
 * | physionet2012 dataset | 30_000                | train / val / test split permutation                 |
 * | probe split (eval)    | 40_000                | holdout shuffles of src/eval/split.ts                |
 * | weight init           | 50_000                | parameter initialisation                             |
 * | per epoch             | 1_000_000 + epoch ... | batches, augment, masks, dropout (span 1_000_000)    |
 *
 * The synthetic dataset keeps its historical ids 0..4 and the per-epoch purposes keep
 * 1_000_000 / 2_000_000 / 3_000_000 / 4_000_000 (so the default demo's data and the training
 * streams of existing checkpoints are unchanged); initialisation moved from 1 (which was also the
 * synthetic synergy permutation) to 50_000, and every other dataset has its own block.
 *
 * Add a purpose by adding an entry to {@link STREAMS}: module load and tests/random_streams_test.ts
 * reject any entry whose range overlaps another's.
 *
 * @example
 * ```ts
 * import { epochStream, Philox, STREAMS } from "./mod.ts";
 * const perm = new Philox(7, STREAMS.synthetic.synergyPermutation).permutation(10);
 * const batches = new Philox(7, epochStream("batches", 3)); // epoch 3's batch order
 * ```
 * @module
 */

/** Number of consecutive stream ids a per-epoch purpose owns: epochs 0 .. EPOCH_SPAN - 1. */
export const EPOCH_SPAN = 1_000_000;

/** Name of the {@link STREAMS} group whose entries are per-epoch ranges of {@link EPOCH_SPAN} ids. */
export const EPOCH_GROUP = "epoch";

/**
 * A (possibly nested) table of stream ids: a number is a stream id, an object a named group.
 *
 * @example
 * ```ts
 * import type { StreamTable } from "./src/random/streams.ts";
 * const t: StreamTable = { init: 50_000, mydata: { shuffle: 60_000 } };
 * ```
 */
export interface StreamTable {
  /** A stream id, or a group of named entries. */
  readonly [name: string]: number | StreamTable;
}

/**
 * Stream id of every purpose, grouped by owner (deeply frozen). Single purposes are used as is;
 * the entries of `STREAMS.epoch` are bases of per-epoch ranges, used through {@link epochStream}.
 *
 * @example
 * ```ts
 * import { Philox, STREAMS } from "./mod.ts";
 * const combos = new Philox(42, STREAMS.trifeatures.combos).permutation(1000);
 * ```
 */
export const STREAMS = {
  /** Parameter initialisation of the model (the global generator while the model is built). */
  init: 50_000,
  /** Holdout shuffles of the linear probe's hyper-parameter search (src/eval/split.ts). */
  probeSplit: 40_000,
  /** Probe-time random resized crops of images (Trifeatures' probe transform), per probe split. */
  probeCrop: {
    /** Crops of the probe-train images. */
    train: 60_000,
    /** Crops of the probe-validation images. */
    val: 60_001,
    /** Crops of the probe-test images. */
    test: 60_002,
  },
  /** Per-epoch training streams: id = base + epoch (see {@link epochStream}). */
  epoch: {
    /** Shuffle of the SSL samples into batches. */
    batches: 1_000_000,
    /** Augmentations of the two views. */
    augment: 2_000_000,
    /** Token masks (InfMasking, COrAL). */
    masks: 3_000_000,
    /** Dropout (the global generator during the epoch). */
    dropout: 4_000_000,
  },
  /** `--dataset synthetic` (src/data/synthetic.ts): historical ids 0..4, kept so its data is unchanged. */
  synthetic: {
    /** Pattern banks of both modalities. */
    patterns: 0,
    /** The synergy permutation P. */
    synergyPermutation: 1,
    /** Attributes, positions, distractors and noise of the SSL split. */
    ssl: 2,
    /** Same for the probe-train split. */
    probeTrain: 3,
    /** Same for the probe-test split. */
    probeTest: 4,
  },
  /** `--dataset trifeatures` (src/data/trifeatures.ts). */
  trifeatures: {
    /** Shuffle of the 1000 (shape, texture, colour) combos into train / test. */
    combos: 10_000,
    /** The synergy permutation P. */
    synergyPermutation: 10_001,
    /** Per-image render parameters (rotations, offsets, noise seed). */
    render: 10_002,
    /** Sampling of the biased SSL pairs. */
    sslPairs: 10_003,
    /** Sampling of the probe-train pairs. */
    probeTrainPairs: 10_004,
    /** Sampling of the probe-test pairs. */
    probeTestPairs: 10_005,
  },
  /** `--dataset avmnist` (src/data/avmnist.ts): the recording drawn for each image, per split. */
  avmnist: {
    /** Train pairs. */
    trainPairs: 20_000,
    /** Val pairs. */
    valPairs: 20_001,
    /** Test pairs. */
    testPairs: 20_002,
    /** The white noise mixed into each recording (recording i skips i·2^20 draws). */
    audioNoise: 20_003,
  },
  /** `--dataset physionet2012` (src/data/physionet2012.ts). */
  physionet2012: {
    /** Permutation of the records into val / test / train. */
    split: 30_000,
  },
} as const;

function deepFreeze(o: object): void {
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v);
  Object.freeze(o);
}
deepFreeze(STREAMS);

/**
 * A purpose that draws once per epoch.
 *
 * @example
 * ```ts
 * import type { EpochPurpose } from "./src/random/streams.ts";
 * const p: EpochPurpose = "dropout";
 * ```
 */
export type EpochPurpose = keyof typeof STREAMS.epoch;

/**
 * Dotted name of an entry of {@link STREAMS}, e.g. `"init"`, `"synthetic.ssl"`, `"epoch.batches"`.
 *
 * @example
 * ```ts
 * import type { StreamPurpose } from "./src/random/streams.ts";
 * const p: StreamPurpose = "trifeatures.render";
 * ```
 */
export type StreamPurpose = {
  [G in keyof typeof STREAMS]: typeof STREAMS[G] extends number ? G
    : `${G}.${keyof typeof STREAMS[G] & string}`;
}[keyof typeof STREAMS];

/**
 * The ids [base, base + span) one purpose owns.
 *
 * @example
 * ```ts
 * import type { StreamRange } from "./src/random/streams.ts";
 * const r: StreamRange = { purpose: "epoch.masks", base: 3_000_000, span: 1_000_000 };
 * ```
 */
export interface StreamRange {
  /** Dotted name of the purpose. */
  readonly purpose: string;
  /** First id. */
  readonly base: number;
  /** Number of ids (1 for a single stream, {@link EPOCH_SPAN} for a per-epoch purpose). */
  readonly span: number;
}

/**
 * Every (purpose, range) pair of a table, in table order: an entry inside a group named
 * {@link EPOCH_GROUP} owns {@link EPOCH_SPAN} ids, any other entry one.
 *
 * @example
 * ```ts
 * import { listStreams } from "./src/random/streams.ts";
 * for (const r of listStreams()) console.log(r.purpose, r.base, r.span);
 * ```
 */
export function listStreams(table: StreamTable = STREAMS): StreamRange[] {
  const out: StreamRange[] = [];
  const walk = (t: StreamTable, prefix: string, perEpoch: boolean) => {
    for (const [name, v] of Object.entries(t)) {
      const purpose = prefix + name;
      if (typeof v === "number") out.push({ purpose, base: v, span: perEpoch ? EPOCH_SPAN : 1 });
      else walk(v, `${purpose}.`, perEpoch || name === EPOCH_GROUP);
    }
  };
  walk(table, "", false);
  return out;
}

/**
 * Problems of a list of ranges: ids that are not non-negative safe integers, and every pair of
 * purposes whose ranges share an id. Empty when the ranges are valid and pairwise disjoint.
 *
 * @example
 * ```ts
 * import { findStreamOverlaps, listStreams } from "./src/random/streams.ts";
 * if (findStreamOverlaps(listStreams()).length > 0) throw new Error("two purposes share a stream");
 * ```
 */
export function findStreamOverlaps(ranges: readonly StreamRange[]): string[] {
  const problems: string[] = [];
  for (const r of ranges) {
    if (!Number.isSafeInteger(r.base) || r.base < 0 || !Number.isSafeInteger(r.span) || r.span < 1) {
      problems.push(`${r.purpose}: base ${r.base} / span ${r.span} is not a valid range`);
    }
  }
  const sorted = [...ranges].sort((a, b) => a.base - b.base);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length && sorted[j].base < a.base + a.span; j++) {
      const b = sorted[j];
      problems.push(
        `${a.purpose} [${a.base}, ${a.base + a.span}) overlaps ${b.purpose} [${b.base}, ${b.base + b.span})`,
      );
    }
  }
  return problems;
}

const RANGES: readonly StreamRange[] = Object.freeze(listStreams());
{
  const problems = findStreamOverlaps(RANGES);
  if (problems.length > 0) throw new Error(`random streams: ${problems.join("; ")}`);
}
const BY_PURPOSE = new Map(RANGES.map((r) => [r.purpose, r]));

/**
 * Stream id of a purpose: its base plus `index`, which must lie in [0, span) (0 for a single
 * stream; the epoch for a per-epoch purpose).
 *
 * @example
 * ```ts
 * import { Philox, streamFor } from "./mod.ts";
 * const rng = new Philox(0, streamFor("synthetic.ssl"));
 * const aug = new Philox(0, streamFor("epoch.augment", 5));
 * ```
 */
export function streamFor(purpose: StreamPurpose, index = 0): number {
  const r = BY_PURPOSE.get(purpose);
  if (!r) throw new Error(`random streams: unknown purpose "${purpose}"`);
  if (!Number.isInteger(index) || index < 0 || index >= r.span) {
    throw new Error(
      `random streams: index of "${purpose}" must be an integer in [0, ${r.span}), got ${index}`,
    );
  }
  return r.base + index;
}

/**
 * Stream id of a per-epoch purpose in epoch `epoch` (0-based, below {@link EPOCH_SPAN}):
 * `STREAMS.epoch[purpose] + epoch`.
 *
 * @example
 * ```ts
 * import { epochStream, Philox } from "./mod.ts";
 * const masks = new Philox(0, epochStream("masks", 2)); // 3_000_002
 * ```
 */
export function epochStream(purpose: EpochPurpose, epoch: number): number {
  return streamFor(`epoch.${purpose}`, epoch);
}
