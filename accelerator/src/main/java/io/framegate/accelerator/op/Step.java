package io.framegate.accelerator.op;

/**
 * One node compiled for the JVM: its kernels, their geometry and the buffers they read and write
 * are all bound when the plan is built, so running it allocates nothing.
 */
@FunctionalInterface
public interface Step {
  void run(Loops loops);
}
