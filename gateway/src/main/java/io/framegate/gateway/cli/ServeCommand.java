package io.framegate.gateway.cli;

import io.framegate.gateway.config.ServeConfig;
import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.metrics.MetricsEndpoint;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.server.GatewayServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code framegate serve}: the gRPC gateway over a model repository, until SIGTERM. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves every model of a repository (one folder per model with model.onnx and config.yaml)"
          + " over gRPC: KServe v2 inference, the video stream service, health and reflection;"
          + " Prometheus metrics over HTTP at /metrics.",
      "Settings: options, then FRAMEGATE_* environment variables, then --config, then defaults."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--repository", paramLabel = "DIR", description = "The model repository.")
  Path repository;

  @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default 0.0.0.0).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", description = "gRPC port (default 8001).")
  Integer port;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description = "Prometheus metrics port (default 8002; 0: off).")
  Integer metricsPort;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description = "Apply each model's 'profiles' entry of this name.")
  String profile;

  @Option(names = "--config", paramLabel = "FILE", description = "A YAML file of these settings.")
  Path config;

  @Override
  public Integer call() throws Exception {
    ServeConfig c =
        ServeConfig.resolve(
            new ServeConfig.Overrides(repository, host, port, metricsPort, profile),
            config,
            System.getenv());
    PrintWriter out = spec.commandLine().getOut();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    MetricsEndpoint endpoint =
        c.metricsPort() == 0
            ? null
            : MetricsEndpoint.start(new InetSocketAddress(c.host(), c.metricsPort()), registry);
    GatewayServer server =
        GatewayServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress(c.host(), c.port())),
                metrics,
                new FramegateCli.Version().getVersion()[0])
            .installShutdownHook(c.grace());
    try {
      // Listening already (health NOT_SERVING) while the plans compile and warm up.
      server.serve(ModelRepository.load(c.repository(), c.profile(), metrics));
      out.println(
          "framegate: serving on "
              + c.host()
              + ":"
              + server.port()
              + (endpoint == null ? "" : ", metrics on :" + endpoint.port() + "/metrics"));
      out.flush();
      server.awaitTermination();
    } catch (RuntimeException e) {
      server.shutdown(c.grace());
      throw e;
    } finally {
      if (endpoint != null) {
        endpoint.close();
      }
    }
    return 0;
  }
}
