package io.framegate.pipeline.dispatch;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.plan.ExecutionPlan;
import java.util.Objects;

/** Compiles a model's plan for one batch size on one device. */
@FunctionalInterface
public interface PlanFactory {

  ExecutionPlan create(int batch);

  static PlanFactory of(Model model, Backend backend) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(backend, "backend");
    return batch -> model.plan(backend, batch);
  }
}
