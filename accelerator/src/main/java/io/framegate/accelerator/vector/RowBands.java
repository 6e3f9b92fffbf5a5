package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;

/**
 * The work items of a kernel over output rows of blocked planes: (image, band of rows, channel
 * block), in that order, with enough bands for about {@link #ITEMS_PER_SLOT} items per worker slot.
 * The workers claim items one at a time from the workspace, so uneven threads still finish
 * together; each slot's share of the items is then a contiguous run of positions over all channels,
 * as a convolution's share of its tiles is, so that a thread reads what its core wrote.
 */
final class RowBands {
  /** Work items to aim for per worker slot. */
  private static final int ITEMS_PER_SLOT = 8;

  /** Rows [r0, r1) of one plane. */
  @FunctionalInterface
  interface Rows {
    void run(int plane, int r0, int r1);
  }

  private final Workspace ws;
  private final Loops.Range body;
  private final int items;

  /**
   * @param images the batch
   * @param blocks channel blocks per image (plane = image · blocks + block)
   * @param rows output rows per plane
   */
  RowBands(int images, int blocks, int rows, Workspace ws, Rows work) {
    int planes = images * blocks;
    int wanted = (ITEMS_PER_SLOT * ws.slots() + planes - 1) / planes;
    int bands = Math.max(1, Math.min(rows, wanted));
    int bandRows = (rows + bands - 1) / bands;
    this.items = planes * bands;
    this.ws = ws;
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            for (int i = ws.claimItem(s); i >= 0; i = ws.claimItem(s)) {
              int n = i / (bands * blocks);
              int rest = i - n * bands * blocks;
              int band = rest / blocks;
              int r0 = band * bandRows;
              work.run(n * blocks + rest - band * blocks, r0, Math.min(rows, r0 + bandRows));
            }
          }
        };
  }

  void run(Loops loops) {
    ws.resetItems(items);
    loops.forRange(ws.slots(), body);
  }
}
