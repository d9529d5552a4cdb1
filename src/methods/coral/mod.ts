/**
 * COrAL (Cissee, Younis, Ahmadi, 2026), one folder: the model (model.ts), its masks (masks.ts) and here its
 * settings, their defaults and rules, and the presets from COrAL's training scripts (docs/coral.md).
 *
 * @example
 * ```ts
 * import { coralMethod } from "./src/methods/coral/mod.ts";
 * console.log(coralMethod.presets.trifeatures.settings.wOrtho); // 1
 * ```
 * @module
 */
import type { MethodDefinition, MethodPreset } from "../../models/method.ts";
import { NON_NEGATIVE, POSITIVE, PROBABILITY } from "../../models/fields.ts";
import { COrAL, type CoralSettings } from "./model.ts";

export { COrAL, CoralNetwork, type CoralSettings, UniqueProjector } from "./model.ts";
export { bernoulliMaskOn, sampleBernoulliMask } from "./masks.ts";

/** COrAL's MultiBench settings: tau .1, mask ratio .75 (hard-coded in the reference), weights 1 / 1 / 10. */
export const CORAL_DEFAULTS: Readonly<CoralSettings> = {
  tau: 0.1,
  maskRatio: 0.75,
  wShared: 1,
  wUnique: 1,
  wOrtho: 10,
};

const run = { optimizer: { lr: 1e-4, weightDecay: 1e-3 }, epochs: 100, batch: 64 };

/**
 * COrAL's scripts: AdamW lr 1e-4, wd 1e-3, 100 epochs, batch 64, tau .1; orthogonality weight 10 on the
 * MultiBench datasets and 1 on Trifeatures. COrAL has no Vision&Touch run.
 */
export const CORAL_PRESETS: Readonly<Record<string, MethodPreset<CoralSettings>>> = {
  trifeatures: { settings: { tau: 0.1, wOrtho: 1 }, ...run },
  mosi: { settings: { tau: 0.1, wOrtho: 10 }, ...run },
  "ur-funny": { settings: { tau: 0.1, wOrtho: 10 }, ...run },
  mustard: { settings: { tau: 0.1, wOrtho: 10 }, ...run },
  mimic: { settings: { tau: 0.1, wOrtho: 10 }, ...run },
};

/** COrAL as the registry lists it. */
export const coralMethod: MethodDefinition<CoralSettings> = {
  name: "coral",
  summary: "COrAL (2026): shared path with asymmetric masks, unique paths, orthogonality between them",
  doc: "docs/coral.md",
  defaults: CORAL_DEFAULTS,
  rules: {
    tau: POSITIVE,
    maskRatio: PROBABILITY,
    wShared: NON_NEGATIVE,
    wUnique: NON_NEGATIVE,
    wOrtho: NON_NEGATIVE,
  },
  presets: CORAL_PRESETS,
  checkFor(_settings, specs, arch) {
    if (specs.length !== 2) {
      throw new Error(`config: coral supports exactly 2 modalities (as the reference), got ${specs.length}`);
    }
    if (arch.tokenDim % 2 !== 0) {
      throw new Error(`config: coral needs an even architecture.tokenDim, got ${arch.tokenDim}`);
    }
  },
  build: (specs, arch, settings) => new COrAL(specs, arch, settings),
};
