/**
 * The contrastive baselines, one folder: Cross (CLIP-style, learnable logit scale) and Cross+Self (CLIP plus
 * SimCLR within each modality), sharing one network (model.ts); trained with CoMM's configs as CoMM's code
 * trains them (docs/cross.md).
 *
 * @example
 * ```ts
 * import { crossMethod, crossSelfMethod } from "./src/methods/cross/mod.ts";
 * console.log(crossMethod.name, crossSelfMethod.defaults.tau); // cross 0.1
 * ```
 * @module
 */
import type { MethodDefinition, MethodPreset } from "../../models/method.ts";
import { POSITIVE } from "../../models/fields.ts";
import { COMM_PAPER_RUNS } from "../comm/mod.ts";
import { CrossModal, CrossSelf, type CrossSelfSettings, type CrossSettings } from "./model.ts";

export {
  CrossBase,
  CrossModal,
  CrossSelf,
  type CrossSelfSettings,
  type CrossSettings,
  UnimodalNetwork,
} from "./model.ts";

function twoModalities(name: string, count: number): void {
  if (count !== 2) throw new Error(`config: ${name} takes exactly 2 modalities, got ${count}`);
}

/** Cross as the registry lists it. */
export const crossMethod: MethodDefinition<CrossSettings> = {
  name: "cross",
  summary: "Cross: CLIP between the two modalities' features (learnable logit scale)",
  doc: "docs/cross.md",
  defaults: {},
  rules: {},
  presets: Object.fromEntries(
    Object.entries(COMM_PAPER_RUNS).map(([name, run]) => [name, { settings: {}, ...run }]),
  ),
  checkFor: (_settings, specs) => twoModalities("cross", specs.length),
  build: (specs, arch) => new CrossModal(specs, arch),
};

const CROSS_SELF_PRESETS: Record<string, MethodPreset<CrossSelfSettings>> = Object.fromEntries(
  Object.entries(COMM_PAPER_RUNS).map(([name, run]) => [name, { settings: { tau: 0.1 }, ...run }]),
);

/** Cross+Self as the registry lists it. */
export const crossSelfMethod: MethodDefinition<CrossSelfSettings> = {
  name: "crossself",
  summary: "Cross+Self: CLIP across modalities plus SimCLR within each",
  doc: "docs/cross.md",
  defaults: { tau: 0.1 },
  rules: { tau: POSITIVE },
  presets: CROSS_SELF_PRESETS,
  checkFor: (_settings, specs) => twoModalities("crossself", specs.length),
  build: (specs, arch, settings) => new CrossSelf(specs, arch, settings),
};
