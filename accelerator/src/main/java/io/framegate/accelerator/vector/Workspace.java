package io.framegate.accelerator.vector;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Scratch memory of one plan, allocated when the plan is built: one packed-B block, a product
 * block, a re-laid-out input, and an edge tile and a padded-plane buffer per worker slot. Steps run
 * one at a time, so all of a plan's steps share it. A parallel step runs {@link #slots()} ranges of
 * one slot each, and {@link io.framegate.accelerator.plan.WorkerPool} runs slot t on thread t as a
 * rule. A step's work items are split into one contiguous share per slot: each slot claims the
 * items of its own share in order, then what is left of the others', so that fast threads take more
 * items while every slot keeps its own scratch, and consecutive steps give a thread the same part
 * of the data, which is still in its core's cache.
 */
final class Workspace {
  private float[] sharedB = new float[0];
  private float[] sharedC = new float[0];
  private float[] sharedX = new float[0];
  private final int slots;
  private final float[][] edges;
  private final float[][] planes;
  private final int[][] ints;
  private float[] padded = new float[0];
  private final float[][] layout = new float[4][0];

  /** Per slot, at index slot·{@link #PAD}: the next item of its share. */
  private final AtomicIntegerArray next;

  /** The end of each slot's share. */
  private final int[] shareEnd;

  /** Ints between two slots' counters (two cache lines). */
  private static final int PAD = 32;

  Workspace(int slots) {
    this.slots = slots;
    next = new AtomicIntegerArray(slots * PAD);
    shareEnd = new int[slots];
    edges = new float[slots][Math.max(Sgemm.MR, BlockedConvStep.TILE) * Sgemm.NR];
    planes = new float[slots][0];
    ints = new int[slots][4 * BlockedConvStep.TILE];
  }

  /** Grows each slot's int table to at least {@code n} entries. */
  void requireInts(int n) {
    for (int i = 0; i < slots; i++) {
      if (ints[i].length < n) {
        ints[i] = new int[n];
      }
    }
  }

  /**
   * The slot's table of a register tile's input and output positions (and, past them, the tile's
   * input index per reduction step: see {@link BlockedConvStep#READS}).
   */
  int[] ints(int slot) {
    return ints[slot];
  }

  /** Grows the zero-padded input copy the workers share to at least {@code floats}. */
  void requirePadded(int floats) {
    if (padded.length < floats) {
      padded = new float[floats];
    }
  }

  float[] padded() {
    return padded;
  }

  /**
   * Grows layout buffer {@code i} (0–3), which holds a tensor converted between the plain and the
   * blocked layout while one step runs, to at least {@code floats}.
   */
  void requireLayout(int i, int floats) {
    if (layout[i].length < floats) {
      layout[i] = new float[floats];
    }
  }

  float[] layout(int i) {
    return layout[i];
  }

  int slots() {
    return slots;
  }

  /** Grows the packed-B buffer the workers share to at least {@code floats}. */
  void requireSharedB(int floats) {
    if (sharedB.length < floats) {
      sharedB = new float[floats];
    }
  }

  float[] sharedB() {
    return sharedB;
  }

  /** Grows the buffer of intermediate products the workers share to at least {@code floats}. */
  void requireSharedC(int floats) {
    if (sharedC.length < floats) {
      sharedC = new float[floats];
    }
  }

  float[] sharedC() {
    return sharedC;
  }

  /** Grows the buffer for a re-laid-out copy of a step's input to at least {@code floats}. */
  void requireSharedX(int floats) {
    if (sharedX.length < floats) {
      sharedX = new float[floats];
    }
  }

  float[] sharedX() {
    return sharedX;
  }

  /** The slot's scratch for partial register tiles (MR×NR, or the direct convolution's TILE×NR). */
  float[] edge(int slot) {
    return edges[slot];
  }

  /** Grows every slot's plane scratch to at least {@code floats} (while the plan is built). */
  void requirePlane(int floats) {
    for (int i = 0; i < planes.length; i++) {
      if (planes[i].length < floats) {
        planes[i] = new float[floats];
      }
    }
  }

  float[] plane(int slot) {
    return planes[slot];
  }

  /**
   * Starts handing out work items [0, items), split into the slots' shares (called by the step
   * before its parallel loop).
   */
  void resetItems(int items) {
    for (int s = 0; s < slots; s++) {
      next.set(s * PAD, (int) ((long) items * s / slots));
      shareEnd[s] = (int) ((long) items * (s + 1) / slots);
    }
  }

  /**
   * The next unclaimed work item for {@code slot}: from its own share, then from the others'; -1
   * when every item is taken.
   */
  int claimItem(int slot) {
    for (int i = 0; i < slots; i++) {
      int s = slot + i < slots ? slot + i : slot + i - slots;
      int end = shareEnd[s];
      if (next.get(s * PAD) < end) {
        int item = next.getAndIncrement(s * PAD);
        if (item < end) {
          return item;
        }
      }
    }
    return -1;
  }
}
