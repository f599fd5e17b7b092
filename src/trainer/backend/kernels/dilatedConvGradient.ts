// The Conv2D gradient, patched to pass dilations on to our backprop kernels where they run.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs';
import type { Pad } from './common';

/**
 * tfjs' Conv2D gradient refuses dilation > 1 ("not yet supported in gradients"). Our backprop
 * kernels take a `dilations` attribute, so on a backend running them the gradient passes it on;
 * elsewhere (native backends, whose kernels would ignore it) the stock gradient and its error stay.
 * `runsOurKernels` says whether our kernels are registered on a backend; patched once per process.
 */
let conv2DGradPatched = false;
export function patchConv2DGradient(runsOurKernels: (backendName: string) => boolean): void {
  if (conv2DGradPatched) return;
  const stock = tf.getGradient('Conv2D');
  if (!stock) return;
  conv2DGradPatched = true;
  const config: GradConfig = {
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as NamedAttrMap & {
        dilations?: number | [number, number];
        strides: number | [number, number];
        pad: Pad;
        dataFormat?: string;
        dimRoundingMode?: string;
      };
      const d = a.dilations ?? 1;
      const dilated = Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1;
      if (!dilated || !runsOurKernels(tf.getBackend())) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const common = {
        strides: a.strides,
        pad: a.pad,
        dataFormat: a.dataFormat ?? 'NHWC',
        dimRoundingMode: a.dimRoundingMode,
        dilations: d,
      };
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: dy as tf.Tensor, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy as tf.Tensor }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as NamedAttrMap) as tf.Tensor,
      };
    },
  };
  tf.registerGradient(config);
}
