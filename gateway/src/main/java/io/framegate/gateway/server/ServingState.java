package io.framegate.gateway.server;

import io.framegate.accelerator.error.ShuttingDownException;
import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.repository.ServedModel;
import io.framegate.gateway.repository.UnknownModelException;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What the services share: the models once loaded, and whether the server still takes work. */
final class ServingState {
  private final GatewayMetrics metrics;
  private final String version;
  private volatile ModelRepository models;
  private volatile boolean draining;
  private final Set<Runnable> openStreams = ConcurrentHashMap.newKeySet();

  ServingState(GatewayMetrics metrics, String version) {
    this.metrics = metrics;
    this.version = version;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  String version() {
    return version;
  }

  void models(ModelRepository repository) {
    this.models = repository;
  }

  /** Null until the models are loaded and warm. */
  ModelRepository models() {
    return models;
  }

  boolean ready() {
    return models != null && !draining;
  }

  boolean draining() {
    return draining;
  }

  void startDraining() {
    draining = true;
  }

  /**
   * The model a request names, or the only one when it names none.
   *
   * @throws UnknownModelException if not served
   * @throws io.grpc.StatusRuntimeException UNAVAILABLE while the models are loading or draining
   */
  ServedModel model(String name) {
    ModelRepository m = models;
    if (draining) {
      throw new ShuttingDownException("the server is shutting down");
    }
    if (m == null) {
      throw Status.UNAVAILABLE.withDescription("the models are still loading").asRuntimeException();
    }
    if (name == null || name.isEmpty()) {
      if (m.all().size() == 1) {
        return m.all().get(0);
      }
      throw new UnknownModelException(
          "no model named; this server serves " + String.join(", ", m.names()));
    }
    return m.get(name);
  }

  /** Open video calls register how to end them once the models have drained. */
  void opened(Runnable endOnShutdown) {
    openStreams.add(endOnShutdown);
  }

  void closed(Runnable endOnShutdown) {
    openStreams.remove(endOnShutdown);
  }

  Set<Runnable> openStreams() {
    return Set.copyOf(openStreams);
  }
}
