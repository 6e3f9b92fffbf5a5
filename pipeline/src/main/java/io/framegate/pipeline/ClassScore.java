package io.framegate.pipeline;

/** One of a frame's top classes: its index in the first output, its score, its label or "". */
public record ClassScore(int index, float score, String label) {}
