package io.framegate.gateway.repository;

import io.framegate.pipeline.ModelPipeline;
import java.util.List;
import java.util.Objects;

/**
 * A model the gateway serves: its pipeline (plans compiled and warmed up) and where it came from.
 *
 * @param backend the device its batches are meant for
 * @param labels class names by index of the first output; empty for none
 */
public record ServedModel(
    String name, ModelPipeline pipeline, String backend, List<String> labels) {
  public ServedModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(backend, "backend");
    labels = List.copyOf(labels);
  }
}
