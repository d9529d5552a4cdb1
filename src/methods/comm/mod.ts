/**
 * CoMM (Dufumier et al., ICLR 2025), one folder: the model (model.ts) and here its settings, their defaults
 * and rules, and the presets from CoMM's configs (docs/comm.md).
 *
 * @example
 * ```ts
 * import { commMethod } from "./src/methods/comm/mod.ts";
 * console.log(commMethod.defaults.tau); // 0.1
 * ```
 * @module
 */
import type { MethodDefinition, MethodPreset } from "../../models/method.ts";
import { POSITIVE, WEIGHTS } from "../../models/fields.ts";
import { CoMM, type CommSettings } from "./model.ts";

export { CoMM, type CommSettings } from "./model.ts";

/** CoMM's configs: tau 0.1 everywhere, no term weights. */
export const COMM_DEFAULTS: Readonly<CommSettings> = { tau: 0.1 };

/**
 * The optimiser and schedule of CoMM's configs per benchmark: AdamW lr 1e-3, wd 1e-2 on MultiBench,
 * 3e-4 / 1e-4 on Trifeatures, lr 1e-4 on Vision&Touch; 100 epochs, batch 64. The contrastive baselines
 * (src/methods/cross) use the same, as CoMM's code trains them.
 */
export const COMM_PAPER_RUNS: Readonly<Record<string, Omit<MethodPreset<object>, "settings">>> = {
  trifeatures: { optimizer: { lr: 3e-4, weightDecay: 1e-4 }, epochs: 100, batch: 64 },
  mosi: { optimizer: { lr: 1e-3, weightDecay: 1e-2 }, epochs: 100, batch: 64 },
  "ur-funny": { optimizer: { lr: 1e-3, weightDecay: 1e-2 }, epochs: 100, batch: 64 },
  mustard: { optimizer: { lr: 1e-3, weightDecay: 1e-2 }, epochs: 100, batch: 64 },
  mimic: { optimizer: { lr: 1e-3, weightDecay: 1e-2 }, epochs: 100, batch: 64 },
  "vision-touch": { optimizer: { lr: 1e-4, weightDecay: 1e-2 }, epochs: 100, batch: 64 },
};

/** CoMM's presets: its paper runs with tau 0.1. */
export const COMM_PRESETS: Readonly<Record<string, MethodPreset<CommSettings>>> = Object.fromEntries(
  Object.entries(COMM_PAPER_RUNS).map(([name, run]) => [name, { settings: { tau: 0.1 }, ...run }]),
);

/** CoMM as the registry lists it. */
export const commMethod: MethodDefinition<CommSettings> = {
  name: "comm",
  summary: "CoMM (ICLR 2025): each modality's fusion of one view against the full fusion of the other",
  doc: "docs/comm.md",
  defaults: COMM_DEFAULTS,
  rules: { tau: POSITIVE, weights: WEIGHTS },
  presets: COMM_PRESETS,
  checkFor(settings, specs) {
    const terms = specs.length + 1;
    if (settings.weights && settings.weights.length !== terms) {
      throw new Error(
        `config: methods.comm.weights has ${settings.weights.length} entries; ` +
          `${specs.length} modalities give ${terms} loss terms (${specs.length} unimodal, 1 full)`,
      );
    }
  },
  build: (specs, arch, settings) => new CoMM(specs, arch, settings),
};
