package io.framegate.gateway.server;

import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.repository.ServedModel;
import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.video.VideoInferenceGrpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server: KServe v2 inference, the video stream, grpc.health.v1 and server reflection, on
 * whatever transport the given {@link ServerBuilder} makes (Netty for real, in-process in tests).
 *
 * <p>Life cycle: {@link #start} listens at once and reports NOT_SERVING; {@link #serve} hands over
 * the loaded, warmed-up models and reports SERVING; {@link #shutdown} reports NOT_SERVING, refuses
 * new work with UNAVAILABLE, lets every accepted frame finish and be written, then stops.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  /** The largest message accepted: a 1080p RGB frame is 6.2 MB, a batch of them more. */
  public static final int MAX_INBOUND_BYTES = 64 << 20;

  /** How long a shutdown waits for calls to end after the models have drained. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

  private static final List<String> SERVICES =
      List.of(GRPCInferenceServiceGrpc.SERVICE_NAME, VideoInferenceGrpc.SERVICE_NAME);

  private final Server server;
  private final HealthStatusManager health;
  private final ServingState state;
  private final AtomicReference<CompletableFuture<Void>> stopping = new AtomicReference<>();
  private final Thread shutdownHook;
  private volatile Duration hookGrace = DEFAULT_GRACE;

  private GatewayServer(Server server, HealthStatusManager health, ServingState state) {
    this.server = server;
    this.health = health;
    this.state = state;
    this.shutdownHook =
        Thread.ofPlatform()
            .name("framegate-shutdown")
            .unstarted(
                () -> {
                  log.info("event=signal action=shutdown");
                  shutdown(hookGrace).join();
                });
  }

  /**
   * Builds the services onto {@code builder} and starts listening; health is NOT_SERVING until
   * {@link #serve}.
   *
   * @param version reported by ServerMetadata
   */
  public static GatewayServer start(
      ServerBuilder<?> builder, GatewayMetrics metrics, String version) {
    ServingState state = new ServingState(Objects.requireNonNull(metrics, "metrics"), version);
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    for (String s : SERVICES) {
      health.setStatus(s, ServingStatus.NOT_SERVING);
    }
    Server server =
        builder
            .maxInboundMessageSize(MAX_INBOUND_BYTES)
            .addService(new InferenceService(state))
            .addService(new VideoStreamService(state))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the gRPC server: " + e.getMessage(), e);
    }
    log.info("event=server_started port={} services={}", server.getPort(), SERVICES);
    return new GatewayServer(server, health, state);
  }

  /** Starts serving {@code models} (loaded and warm): ServerReady and health turn SERVING. */
  public void serve(ModelRepository models) {
    if (state.draining()) {
      throw new IllegalStateException("the server is shutting down");
    }
    state.models(Objects.requireNonNull(models, "models"));
    for (ServedModel m : models.all()) {
      health.setStatus(m.name(), ServingStatus.SERVING);
    }
    for (String s : SERVICES) {
      health.setStatus(s, ServingStatus.SERVING);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    log.info("event=serving models={}", models.names());
  }

  /** The port listened on (-1 for in-process transports). */
  public int port() {
    return server.getPort();
  }

  public boolean ready() {
    return state.ready();
  }

  /**
   * Registers a JVM shutdown hook (SIGTERM, Ctrl-C) that shuts down gracefully, waiting at most
   * {@code grace} for calls to end.
   */
  public GatewayServer installShutdownHook(Duration grace) {
    hookGrace = Objects.requireNonNull(grace, "grace");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    return this;
  }

  /**
   * Stops gracefully: health NOT_SERVING and new calls and frames refused with UNAVAILABLE at once
   * (before this returns); then, in the background, accepted frames finish and their results are
   * written, open streams end with UNAVAILABLE, and the server stops, forcibly after {@code grace}.
   *
   * @return completes once the server has terminated; the same future for every call
   */
  public CompletableFuture<Void> shutdown(Duration grace) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!stopping.compareAndSet(null, done)) {
      return stopping.get();
    }
    log.info("event=server_stopping");
    state.startDraining();
    health.enterTerminalState();
    ModelRepository models = state.models();
    CompletableFuture<Void> drained =
        models == null ? CompletableFuture.completedFuture(null) : models.closeAsync();
    drained
        .orTimeout(grace.toMillis(), TimeUnit.MILLISECONDS)
        // On a thread of its own: waiting for the server must not hold a pipeline's thread.
        .handleAsync(
            (v, e) -> {
              if (e != null) {
                log.warn("event=drain_timeout grace_ms={}", grace.toMillis());
              }
              state.openStreams().forEach(Runnable::run);
              server.shutdown();
              try {
                if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                  server.shutdownNow();
                  server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
                }
              } catch (InterruptedException ie) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
              }
              log.info("event=server_stopped");
              return null;
            },
            r -> Thread.ofPlatform().name("framegate-stop").start(r))
        .whenComplete((v, e) -> done.complete(null));
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException | IllegalArgumentException e) {
        // Already shutting down, or never installed.
      }
    }
    return done;
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
    CompletableFuture<Void> s = stopping.get();
    if (s != null) {
      s.join();
    }
  }

  @Override
  public void close() {
    shutdown(DEFAULT_GRACE).join();
  }
}
