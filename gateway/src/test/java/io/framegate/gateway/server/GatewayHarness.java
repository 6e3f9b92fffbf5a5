package io.framegate.gateway.server;

import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.repository.ServedModel;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An in-process gateway and a channel to it; closing stops both. */
final class GatewayHarness implements AutoCloseable {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final GatewayMetrics metrics = new GatewayMetrics(registry);
  final GatewayServer server;
  final ManagedChannel channel;

  GatewayHarness() {
    String name = InProcessServerBuilder.generateName();
    server = GatewayServer.start(InProcessServerBuilder.forName(name), metrics, "test");
    channel = InProcessChannelBuilder.forName(name).build();
  }

  GatewayHarness serve(List<ServedModel> models) {
    server.serve(ModelRepository.of(models));
    return this;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
    server.shutdown(Duration.ofSeconds(10)).join();
  }
}
