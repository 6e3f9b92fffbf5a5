package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;

/**
 * The work items of a kernel over output rows of blocked planes: (plane, band of rows), plane =
 * image·C/VL + channel block, with enough bands for about {@link #ITEMS_PER_SLOT} items per worker
 * slot. The workers claim items one at a time from the workspace, so uneven threads still finish
 * together.
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

  RowBands(int planes, int rows, Workspace ws, Rows work) {
    int wanted = (ITEMS_PER_SLOT * ws.slots() + planes - 1) / planes;
    int bands = Math.max(1, Math.min(rows, wanted));
    int bandRows = (rows + bands - 1) / bands;
    this.items = planes * bands;
    this.ws = ws;
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            for (int i = ws.claimItem(s); i >= 0; i = ws.claimItem(s)) {
              int r0 = (i % bands) * bandRows;
              work.run(i / bands, r0, Math.min(rows, r0 + bandRows));
            }
          }
        };
  }

  void run(Loops loops) {
    ws.resetItems(items);
    loops.forRange(ws.slots(), body);
  }
}
