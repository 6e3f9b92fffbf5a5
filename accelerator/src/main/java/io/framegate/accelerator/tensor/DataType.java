package io.framegate.accelerator.tensor;

/**
 * Element types the engine holds. Activations and weights are FLOAT32; INT64 carries shapes,
 * indices and axes, which are folded to constants when a model is loaded.
 */
public enum DataType {
  FLOAT32,
  INT64
}
