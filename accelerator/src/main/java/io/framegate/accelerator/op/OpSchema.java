package io.framegate.accelerator.op;

import java.util.List;

/** What {@code framegate ops} prints for one operator. */
public record OpSchema(String opType, String summary, List<AttrSchema> attributes, int sinceOpset) {
  public OpSchema {
    attributes = List.copyOf(attributes);
  }
}
