package io.framegate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.inference.ModelMetadataRequest;
import io.framegate.proto.inference.ServerReadyRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayLifecycleTest {
  private GatewayHarness gw;

  @AfterEach
  void stop() throws InterruptedException {
    gw.close();
  }

  @Test
  void healthGoesNotServingThenServingThenNotServing() throws Exception {
    gw = new GatewayHarness();
    LinkedBlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
    Context.CancellableContext watching = Context.current().withCancellation();
    watching.run(
        () ->
            HealthGrpc.newStub(gw.channel)
                .watch(
                    HealthCheckRequest.getDefaultInstance(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(HealthCheckResponse r) {
                        seen.add(r.getStatus());
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    assertEquals(ServingStatus.NOT_SERVING, seen.poll(30, TimeUnit.SECONDS));
    var kserve = GRPCInferenceServiceGrpc.newBlockingStub(gw.channel);
    assertFalse(kserve.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    StatusRuntimeException loading =
        assertThrows(
            StatusRuntimeException.class,
            () -> kserve.modelMetadata(ModelMetadataRequest.newBuilder().setName("tiny").build()));
    assertEquals(Status.Code.UNAVAILABLE, loading.getStatus().getCode());

    gw.serve(List.of(new TinyModel(3).serve("tiny", gw.metrics)));
    assertEquals(ServingStatus.SERVING, seen.poll(30, TimeUnit.SECONDS));
    assertTrue(kserve.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertEquals(
        ServingStatus.SERVING,
        HealthGrpc.newBlockingStub(gw.channel)
            .check(
                HealthCheckRequest.newBuilder()
                    .setService("inference.GRPCInferenceService")
                    .build())
            .getStatus());

    CompletableFuture<Void> stopped = gw.server.shutdown(Duration.ofSeconds(30));
    assertFalse(gw.server.ready());
    assertEquals(ServingStatus.NOT_SERVING, seen.poll(30, TimeUnit.SECONDS));
    // An open watch would hold the server for its grace period, as any open call does.
    watching.cancel(null);
    stopped.get(60, TimeUnit.SECONDS);
  }
}
