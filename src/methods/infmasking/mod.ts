/**
 * InfMasking (Wen, Dai et al., NeurIPS 2025), one folder: the model (model.ts), its masks (masks.ts) and here
 * its settings, their defaults and rules, and the paper's run scripts as presets (docs/infmasking.md).
 *
 * @example
 * ```ts
 * import { infmaskingMethod } from "./src/methods/infmasking/mod.ts";
 * console.log(infmaskingMethod.presets.mosi.settings);
 * // { tau: 0.1, lambda: 0.25, maskRatio: 0.8, numMasks: 5 }
 * ```
 * @module
 */
import type { MethodDefinition, MethodPreset } from "../../models/method.ts";
import { FRACTION, NON_NEGATIVE, POSITIVE, POSITIVE_INT, WEIGHTS } from "../../models/fields.ts";
import { InfMasking, type InfMaskingSettings } from "./model.ts";

export { InfMasking, type InfMaskingSettings } from "./model.ts";
export { fixedCountMaskOn, keepLowestRanks, sampleFixedCountMask } from "./masks.ts";

/** The settings of InfMasking's code defaults (mask ratio .5, K 5, lambda 1) with CoMM's tau .1. */
export const INFMASKING_DEFAULTS: Readonly<InfMaskingSettings> = {
  tau: 0.1,
  lambda: 1,
  maskRatio: 0.5,
  numMasks: 5,
};

const run = (lr: number, weightDecay: number) => ({ optimizer: { lr, weightDecay }, epochs: 100, batch: 64 });

/** InfMasking's run scripts per benchmark (docs/infmasking.md, the settings table). */
export const INFMASKING_PRESETS: Readonly<Record<string, MethodPreset<InfMaskingSettings>>> = {
  trifeatures: { settings: { tau: 0.1, lambda: 1, maskRatio: 0.7, numMasks: 6 }, ...run(3e-4, 1e-4) },
  mosi: { settings: { tau: 0.1, lambda: 0.25, maskRatio: 0.8, numMasks: 5 }, ...run(1e-3, 1e-2) },
  "ur-funny": {
    settings: { tau: 0.05, lambda: 2, maskRatio: 0.5, numMasks: 4, weights: [1, 1, 1, 1, 5] },
    ...run(1e-3, 1e-2),
  },
  mustard: { settings: { tau: 0.05, lambda: 1, maskRatio: 0.5, numMasks: 5 }, ...run(1e-3, 5e-2) },
  mimic: {
    settings: { tau: 0.2, lambda: 1, maskRatio: 0.8, numMasks: 6, weights: [1, 1, 1, 1, 5] },
    ...run(3e-4, 1e-2),
  },
  "vision-touch": { settings: { tau: 0.1, lambda: 1, maskRatio: 0.7, numMasks: 6 }, ...run(1e-4, 1e-2) },
};

/** InfMasking as the registry lists it. */
export const infmaskingMethod: MethodDefinition<InfMaskingSettings> = {
  name: "infmasking",
  summary: "InfMasking (NeurIPS 2025): CoMM plus K masked fusions per view in closed form",
  doc: "docs/infmasking.md",
  defaults: INFMASKING_DEFAULTS,
  rules: {
    tau: POSITIVE,
    lambda: NON_NEGATIVE,
    maskRatio: FRACTION,
    numMasks: POSITIVE_INT,
    weights: WEIGHTS,
  },
  presets: INFMASKING_PRESETS,
  checkFor(settings, specs) {
    const terms = 2 + specs.length + 1;
    if (settings.weights && settings.weights.length !== terms) {
      throw new Error(
        `config: methods.infmasking.weights has ${settings.weights.length} entries; ` +
          `${specs.length} modalities give ${terms} loss terms (2 masking, ${specs.length} unimodal, 1 full)`,
      );
    }
  },
  build: (specs, arch, settings) => new InfMasking(specs, arch, settings),
};
