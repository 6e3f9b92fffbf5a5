package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;

/** A depthwise convolution: planes handed out to the plane's workers one at a time. */
final class DepthwiseStep implements Step {
  private final Workspace ws;
  private final Loops.Range body;
  private final int planes;

  DepthwiseStep(
      ConvGeometry g,
      float[] x,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      int act,
      float p,
      float q,
      Workspace ws) {
    this.ws = ws;
    this.planes = g.n() * g.c();
    ws.requirePlane(DepthwiseKernels.scratchFloats(g));
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] xp = ws.plane(s);
            for (int i = ws.claimItem(s); i >= 0; i = ws.claimItem(s)) {
              DepthwiseKernels.plane(g, x, w, bias, res, y, act, p, q, i, xp);
            }
          }
        };
  }

  @Override
  public void run(Loops loops) {
    ws.resetItems(planes);
    loops.forRange(ws.slots(), body);
  }
}
