package io.framegate.accelerator.op;

/** One attribute an operator accepts, for {@code framegate ops}. */
public record AttrSchema(String name, String type, String defaultValue, String meaning) {}
