package io.framegate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.inference.InferParameter;
import io.framegate.proto.inference.InferTensorContents;
import io.framegate.proto.inference.ModelConfigRequest;
import io.framegate.proto.inference.ModelConfigResponse;
import io.framegate.proto.inference.ModelInferRequest;
import io.framegate.proto.inference.ModelInferResponse;
import io.framegate.proto.inference.ModelMetadataRequest;
import io.framegate.proto.inference.ModelMetadataResponse;
import io.framegate.proto.inference.ModelReadyRequest;
import io.framegate.proto.inference.ModelStatistics;
import io.framegate.proto.inference.ModelStatisticsRequest;
import io.framegate.proto.inference.ModelStreamInferResponse;
import io.framegate.proto.inference.ServerLiveRequest;
import io.framegate.proto.inference.ServerMetadataRequest;
import io.framegate.proto.inference.ServerReadyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InferenceServiceTest {
  private static final float TOL = 1e-5f;

  private TinyModel tiny;
  private GatewayHarness gw;
  private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeEach
  void start() {
    tiny = new TinyModel(11);
    gw = new GatewayHarness();
    gw.serve(List.of(tiny.serve("tiny", gw.metrics)));
    stub =
        GRPCInferenceServiceGrpc.newBlockingStub(gw.channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    gw.close();
  }

  private static void assertClose(float[] want, float[] have, String what) {
    assertEquals(want.length, have.length, what + " length");
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], have[i], TOL * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
    }
  }

  private static float[] floats(ByteString raw) {
    float[] out = new float[raw.size() / 4];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private float[] expected(List<byte[]> frames) {
    float[] out = new float[frames.size() * TinyModel.CLASSES];
    for (int i = 0; i < frames.size(); i++) {
      System.arraycopy(
          tiny.direct(TinyModel.chw(frames.get(i))),
          0,
          out,
          i * TinyModel.CLASSES,
          TinyModel.CLASSES);
    }
    return out;
  }

  private static List<byte[]> frames(int n, long seed) {
    Random r = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(TinyModel.randomRgb(r));
    }
    return out;
  }

  private static ModelInferRequest.InferInputTensor.Builder input(String type, long... shape) {
    ModelInferRequest.InferInputTensor.Builder b =
        ModelInferRequest.InferInputTensor.newBuilder().setName(TinyModel.INPUT).setDatatype(type);
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  @Test
  void liveReadyAndMetadata() {
    assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("tiny").build()).getReady());
    assertFalse(stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()).getReady());
    assertFalse(
        stub.modelReady(ModelReadyRequest.newBuilder().setName("tiny").setVersion("7").build())
            .getReady());
    assertEquals(
        "framegate", stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName());

    ModelMetadataResponse md =
        stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("tiny").build());
    assertEquals("tiny", md.getName());
    assertEquals(TinyModel.INPUT, md.getInputs(0).getName());
    assertEquals("FP32", md.getInputs(0).getDatatype());
    assertEquals(List.of(-1L, 3L, 7L, 9L), md.getInputs(0).getShapeList());
    assertEquals(TinyModel.OUTPUT, md.getOutputs(0).getName());
    assertEquals(List.of(-1L, 5L), md.getOutputs(0).getShapeList());

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("tiny"), e.getStatus().getDescription());
  }

  @Test
  void modelConfigDescribesBatchingAndTheInput() {
    ModelConfigResponse c =
        stub.modelConfig(ModelConfigRequest.newBuilder().setName("tiny").build());
    assertEquals(4, c.getConfig().getMaxBatchSize());
    assertEquals(List.of(1, 2, 4), c.getConfig().getDynamicBatching().getPreferredBatchSizeList());
    assertEquals(2000, c.getConfig().getDynamicBatching().getMaxQueueDelayMicroseconds());
    assertEquals(List.of(3L, 7L, 9L), c.getConfig().getInput(0).getDimsList());
    assertEquals(List.of(5L), c.getConfig().getOutput(0).getDimsList());
  }

  @Test
  void fp32RawBatchMatchesTheEngine() {
    List<byte[]> f = frames(3, 1);
    ByteBuffer raw = ByteBuffer.allocate(3 * 3 * 7 * 9 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] px : f) {
      for (float v : TinyModel.chw(px)) {
        raw.putFloat(v);
      }
    }
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .setId("req-1")
                .addInputs(input("FP32", 3, 3, 7, 9))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build());
    assertEquals("req-1", r.getId());
    assertEquals(TinyModel.OUTPUT, r.getOutputs(0).getName());
    assertEquals("FP32", r.getOutputs(0).getDatatype());
    assertEquals(List.of(3L, 5L), r.getOutputs(0).getShapeList());
    assertClose(expected(f), floats(r.getRawOutputContents(0)), "raw FP32");
  }

  @Test
  void fp32TypedContentsGetTypedOutputs() {
    List<byte[]> f = frames(2, 2);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (byte[] px : f) {
      for (float v : TinyModel.chw(px)) {
        c.addFp32Contents(v);
      }
    }
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("FP32", 2, 3, 7, 9).setContents(c))
                .build());
    assertEquals(0, r.getRawOutputContentsCount());
    List<Float> got = r.getOutputs(0).getContents().getFp32ContentsList();
    float[] have = new float[got.size()];
    for (int i = 0; i < have.length; i++) {
      have[i] = got.get(i);
    }
    assertClose(expected(f), have, "typed FP32");
  }

  @Test
  void uint8NhwcRawAndNchwTypedImagesAreNormalisedLikeTheConfigSays() {
    List<byte[]> f = frames(5, 3);
    ByteBuffer nhwc = ByteBuffer.allocate(5 * 7 * 9 * 3);
    f.forEach(nhwc::put);
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("UINT8", 5, 7, 9, 3))
                .addRawInputContents(ByteString.copyFrom(nhwc.array()))
                .build());
    assertClose(expected(f), floats(r.getRawOutputContents(0)), "UINT8 NHWC");

    // The same pixels planar, as typed values.
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (byte[] px : f.subList(0, 2)) {
      for (int ch = 0; ch < 3; ch++) {
        for (int i = 0; i < 7 * 9; i++) {
          c.addUintContents(px[3 * i + ch] & 0xff);
        }
      }
    }
    ModelInferResponse typed =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("UINT8", 2, 3, 7, 9).setContents(c))
                .build());
    List<Float> got = typed.getOutputs(0).getContents().getFp32ContentsList();
    float[] have = new float[got.size()];
    for (int i = 0; i < have.length; i++) {
      have[i] = got.get(i);
    }
    assertClose(expected(f.subList(0, 2)), have, "UINT8 NCHW");
  }

  @Test
  void bgrParameterSwapsColours() {
    byte[] rgb = frames(1, 4).get(0);
    byte[] bgr = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i += 3) {
      bgr[i] = rgb[i + 2];
      bgr[i + 1] = rgb[i + 1];
      bgr[i + 2] = rgb[i];
    }
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(
                    input("UINT8", 1, 7, 9, 3)
                        .putParameters(
                            "channel_order",
                            InferParameter.newBuilder().setStringParam("BGR").build()))
                .addRawInputContents(ByteString.copyFrom(bgr))
                .build());
    assertClose(expected(List.of(rgb)), floats(r.getRawOutputContents(0)), "BGR");
  }

  private Status.Code inferError(ModelInferRequest.Builder request) {
    return assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(request.build()))
        .getStatus()
        .getCode();
  }

  @Test
  void badRequestsFailWithTheirStatus() {
    ByteString px = ByteString.copyFrom(new byte[7 * 9 * 3]);
    assertEquals(
        Status.Code.NOT_FOUND,
        inferError(
            ModelInferRequest.newBuilder()
                .setModelName("nope")
                .addInputs(input("UINT8", 1, 7, 9, 3))
                .addRawInputContents(px)));
    // one byte short
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        inferError(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("UINT8", 1, 7, 9, 3))
                .addRawInputContents(px.substring(1))));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        inferError(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("INT32", 1, 7, 9, 3))
                .addRawInputContents(px)));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        inferError(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("FP32", 1, 4, 7, 9))
                .addRawInputContents(ByteString.copyFrom(new byte[4 * 7 * 9 * 4]))));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        inferError(
            ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("UINT8", 1, 7, 9, 3))
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("nope"))
                .addRawInputContents(px)));
  }

  @Test
  void streamInferAnswersEveryRequestInOrderWithErrorsInline() throws Exception {
    List<byte[]> f = frames(6, 5);
    List<ModelStreamInferResponse> got = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<io.framegate.proto.inference.ModelInferRequest> requests =
        GRPCInferenceServiceGrpc.newStub(gw.channel)
            .modelStreamInfer(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ModelStreamInferResponse r) {
                    got.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (int i = 0; i < f.size(); i++) {
      ByteString px = ByteString.copyFrom(f.get(i));
      requests.onNext(
          ModelInferRequest.newBuilder()
              .setModelName("tiny")
              .setId("r" + i)
              .addInputs(input("UINT8", 1, 7, 9, 3))
              .addRawInputContents(i == 3 ? px.substring(2) : px)
              .build());
    }
    requests.onCompleted();
    done.get(60, TimeUnit.SECONDS);
    assertEquals(6, got.size());
    for (int i = 0; i < 6; i++) {
      ModelStreamInferResponse r = got.get(i);
      assertEquals("r" + i, r.getInferResponse().getId());
      if (i == 3) {
        assertTrue(r.getErrorMessage().startsWith("INVALID_ARGUMENT: "), r.getErrorMessage());
      } else {
        assertEquals("", r.getErrorMessage());
        assertClose(
            expected(List.of(f.get(i))),
            floats(r.getInferResponse().getRawOutputContents(0)),
            "stream " + i);
      }
    }
  }

  @Test
  void statisticsCountFramesAndFailures() {
    ByteString px =
        ByteString.copyFrom(
            frames(4, 6).stream()
                .reduce(
                    new byte[0],
                    (a, b) -> {
                      byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
                      System.arraycopy(b, 0, c, a.length, b.length);
                      return c;
                    }));
    stub.modelInfer(
        ModelInferRequest.newBuilder()
            .setModelName("tiny")
            .addInputs(input("UINT8", 4, 7, 9, 3))
            .addRawInputContents(px)
            .build());
    stub.modelInfer(
        ModelInferRequest.newBuilder()
            .setModelName("tiny")
            .addInputs(input("UINT8", 1, 7, 9, 3))
            .addRawInputContents(px.substring(0, 7 * 9 * 3))
            .build());
    ModelStatistics s =
        stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("tiny").build())
            .getModelStats(0);
    assertEquals("tiny", s.getName());
    assertEquals(5, s.getInferenceCount());
    assertEquals(5, s.getInferenceStats().getSuccess().getCount());
    assertTrue(
        s.getExecutionCount() >= 2 && s.getExecutionCount() <= 5,
        "executions " + s.getExecutionCount());
    long batched =
        s.getBatchStatsList().stream().mapToLong(b -> b.getComputeInfer().getCount()).sum();
    assertEquals(s.getExecutionCount(), batched);
    assertTrue(s.getLastInference() > 0);
    assertEquals(
        1, stub.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsCount());
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req =
        ServerReflectionGrpc.newStub(gw.channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse r) {
                    answer.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names =
        answer.get(30, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    req.onCompleted();
    assertTrue(names.contains("inference.GRPCInferenceService"), names.toString());
    assertTrue(names.contains("framegate.video.VideoInference"), names.toString());
    assertTrue(names.contains("grpc.health.v1.Health"), names.toString());
  }

  @Test
  void healthIsServingForTheServerAndEachModel() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(gw.channel);
    assertEquals(
        ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
    assertEquals(
        ServingStatus.SERVING,
        health.check(HealthCheckRequest.newBuilder().setService("tiny").build()).getStatus());
  }
}
