/**
 * The transformer-layer workload shared by transformer_layer.ts and profile_layer.ts: one pre-LN encoder layer
 * (width 40, 5 heads, FFN 2048, ReLU, dropout 0) on a [64, 50, 40] batch; one step is forward + backward of
 * sum(y * w) for a fixed random w, with the parameter gradients freed before each step (like PyTorch's
 * zero_grad(set_to_none=True)). Matches bench/torch_transformer_layer.py.
 */
import { mul, noGrad, randn, setSeed, sum, type Tensor, tidy } from "../src/tensor/mod.ts";
import { TransformerEncoderLayer } from "../src/nn/transformer.ts";

/** Sizes of the workload. */
export const LAYER_SHAPE = { batch: 64, tokens: 50, width: 40, heads: 5, ffn: 2048 } as const;

/** The prepared layer, inputs and step closures. */
export interface LayerWorkload {
  layer: TransformerEncoderLayer;
  x: Tensor;
  /** The fixed random weights of the scalar objective sum(y * w). */
  w: Tensor;
  /** Forward + backward (gradients of the parameters and of x). */
  step: () => void;
  /** Forward only, without recording gradients. */
  forward: () => void;
}

/** Builds the layer and inputs (seeded). */
export function makeLayerWorkload(): LayerWorkload {
  setSeed(0);
  const { batch, tokens, width, heads, ffn } = LAYER_SHAPE;
  const layer = new TransformerEncoderLayer(width, heads, {
    dimFeedforward: ffn,
    dropout: 0,
    activation: "relu",
    normFirst: true,
  });
  layer.train();
  const x = randn([batch, tokens, width]).asParameter("x");
  const w = randn([batch, tokens, width]).asParameter("w");
  w.requiresGrad = false;
  const step = () => {
    layer.zeroGrad();
    if (x.grad) {
      x.grad.dispose();
      x.grad = null;
    }
    tidy(() => {
      sum(mul(layer.forward(x), w)).backward();
    });
  };
  const forward = () =>
    noGrad(() =>
      tidy(() => {
        layer.forward(x);
      })
    );
  return { layer, x, w, step, forward };
}
