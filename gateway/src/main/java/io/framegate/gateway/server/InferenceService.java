package io.framegate.gateway.server;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.repository.ServedModel;
import io.framegate.pipeline.FrameRequest;
import io.framegate.pipeline.FrameResult;
import io.framegate.pipeline.ModelPipeline;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.ModelInputSpec;
import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.inference.InferBatchStatistics;
import io.framegate.proto.inference.InferStatistics;
import io.framegate.proto.inference.ModelConfig;
import io.framegate.proto.inference.ModelConfigRequest;
import io.framegate.proto.inference.ModelConfigResponse;
import io.framegate.proto.inference.ModelDynamicBatching;
import io.framegate.proto.inference.ModelInferRequest;
import io.framegate.proto.inference.ModelInferResponse;
import io.framegate.proto.inference.ModelInput;
import io.framegate.proto.inference.ModelInstanceGroup;
import io.framegate.proto.inference.ModelMetadataRequest;
import io.framegate.proto.inference.ModelMetadataResponse;
import io.framegate.proto.inference.ModelOutput;
import io.framegate.proto.inference.ModelParameter;
import io.framegate.proto.inference.ModelReadyRequest;
import io.framegate.proto.inference.ModelReadyResponse;
import io.framegate.proto.inference.ModelStatistics;
import io.framegate.proto.inference.ModelStatisticsRequest;
import io.framegate.proto.inference.ModelStatisticsResponse;
import io.framegate.proto.inference.ModelStreamInferResponse;
import io.framegate.proto.inference.ServerLiveRequest;
import io.framegate.proto.inference.ServerLiveResponse;
import io.framegate.proto.inference.ServerMetadataRequest;
import io.framegate.proto.inference.ServerMetadataResponse;
import io.framegate.proto.inference.ServerReadyRequest;
import io.framegate.proto.inference.ServerReadyResponse;
import io.framegate.proto.inference.StatisticDuration;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The KServe v2 / Triton {@code inference.GRPCInferenceService}. ModelInfer runs each batch element
 * as one frame through the model's pipeline, so concurrent requests share batches with video
 * streams; see {@link KServeTensors} for the tensors it takes.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  static final String MODEL_VERSION = "1";
  static final String PLATFORM = "onnxruntime_onnx";
  static final String SERVER_NAME = "framegate";

  /** Requests of one ModelStreamInfer call in flight or waiting to be written. */
  static final int STREAM_WINDOW = 16;

  private final ServingState state;

  InferenceService(ServingState state) {
    this.state = state;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    out.onCompleted();
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    out.onNext(ServerReadyResponse.newBuilder().setReady(state.ready()).build());
    out.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    ModelRepository models = state.models();
    boolean ready =
        state.ready()
            && models != null
            && models.contains(request.getName())
            && versionServed(request.getVersion());
    out.onNext(ModelReadyResponse.newBuilder().setReady(ready).build());
    out.onCompleted();
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    out.onNext(
        ServerMetadataResponse.newBuilder()
            .setName(SERVER_NAME)
            .setVersion(state.version())
            .addAllExtensions(List.of("model_configuration", "statistics", "binary_tensor_data"))
            .build());
    out.onCompleted();
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    unary(out, () -> metadata(model(request.getName(), request.getVersion())));
  }

  private static ModelMetadataResponse metadata(ServedModel m) {
    ModelInputSpec spec = m.pipeline().inputSpec();
    ModelMetadataResponse.Builder b =
        ModelMetadataResponse.newBuilder()
            .setName(m.name())
            .addVersions(MODEL_VERSION)
            .setPlatform(PLATFORM)
            .addInputs(
                ModelMetadataResponse.TensorMetadata.newBuilder()
                    .setName(spec.inputName())
                    .setDatatype(KServeTensors.FP32)
                    .addAllShape(
                        List.of(
                            -1L,
                            (long) spec.channels(),
                            (long) spec.height(),
                            (long) spec.width())));
    for (ValueInfo o : m.pipeline().frameOutputs()) {
      ModelMetadataResponse.TensorMetadata.Builder t =
          ModelMetadataResponse.TensorMetadata.newBuilder()
              .setName(o.name())
              .setDatatype(o.type() == DataType.INT64 ? KServeTensors.INT64 : KServeTensors.FP32)
              .addShape(-1);
      int[] s = o.shape();
      for (int i = 1; i < s.length; i++) {
        t.addShape(s[i]);
      }
      b.addOutputs(t);
    }
    return b.build();
  }

  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    unary(
        out,
        () -> {
          ServedModel m = model(request.getName(), request.getVersion());
          return ModelConfigResponse.newBuilder().setConfig(config(m)).build();
        });
  }

  private static ModelConfig config(ServedModel m) {
    ModelPipeline p = m.pipeline();
    ModelInputSpec spec = p.inputSpec();
    ModelConfig.Builder b =
        ModelConfig.newBuilder()
            .setName(m.name())
            .setPlatform(PLATFORM)
            .setBackend(SERVER_NAME)
            .setMaxBatchSize(p.policy().maxBatch())
            .setDefaultModelFilename("model.onnx")
            .addInput(
                ModelInput.newBuilder()
                    .setName(spec.inputName())
                    .setDataType(io.framegate.proto.inference.DataType.TYPE_FP32)
                    .setFormat(ModelInput.Format.FORMAT_NCHW)
                    .addAllDims(
                        List.of((long) spec.channels(), (long) spec.height(), (long) spec.width())))
            .setDynamicBatching(
                ModelDynamicBatching.newBuilder()
                    .addAllPreferredBatchSize(Arrays.stream(p.planBatchSizes()).boxed().toList())
                    .setMaxQueueDelayMicroseconds(p.policy().maxDelay().toNanos() / 1000)
                    .setPreserveOrdering(true))
            .addInstanceGroup(
                ModelInstanceGroup.newBuilder()
                    .setName(m.backend())
                    .setCount(p.dispatchers().size())
                    .setKind(ModelInstanceGroup.Kind.KIND_CPU))
            .putParameters("device", parameter(m.backend()))
            .putParameters("channel_order", parameter(spec.channelOrder().name()))
            .putParameters("mean", parameter(Arrays.toString(spec.mean())))
            .putParameters("std", parameter(Arrays.toString(spec.std())))
            .putParameters(
                "queue_capacity", parameter(Integer.toString(p.policy().queueCapacity())));
    for (ValueInfo o : p.frameOutputs()) {
      ModelOutput.Builder ob =
          ModelOutput.newBuilder()
              .setName(o.name())
              .setDataType(
                  o.type() == DataType.INT64
                      ? io.framegate.proto.inference.DataType.TYPE_INT64
                      : io.framegate.proto.inference.DataType.TYPE_FP32);
      int[] s = o.shape();
      for (int i = 1; i < s.length; i++) {
        ob.addDims(s[i]);
      }
      b.addOutput(ob);
    }
    return b.build();
  }

  private static ModelParameter parameter(String value) {
    return ModelParameter.newBuilder().setStringValue(value).build();
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    unary(
        out,
        () -> {
          List<ServedModel> models;
          if (request.getName().isEmpty()) {
            ModelRepository all = state.models();
            models = all == null ? List.of() : all.all();
          } else {
            models = List.of(model(request.getName(), request.getVersion()));
          }
          ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
          for (ServedModel m : models) {
            b.addModelStats(statistics(m.name(), state.metrics().totals(m.name())));
          }
          return b.build();
        });
  }

  private static ModelStatistics statistics(String name, GatewayMetrics.ModelTotals t) {
    ModelStatistics.Builder b =
        ModelStatistics.newBuilder()
            .setName(name)
            .setVersion(MODEL_VERSION)
            .setLastInference(t.lastInferenceMillis())
            .setInferenceCount(t.successCount.sum())
            .setExecutionCount(t.executions.sum())
            .setInferenceStats(
                InferStatistics.newBuilder()
                    .setSuccess(duration(t.successCount.sum(), t.successNanos.sum()))
                    .setFail(duration(t.failCount.sum(), t.failNanos.sum()))
                    .setQueue(duration(t.successCount.sum(), t.queueNanos.sum()))
                    .setComputeInfer(duration(t.computeFrames.sum(), t.computeNanos.sum())));
    for (Map.Entry<Integer, long[]> e : t.batchesBySize().entrySet()) {
      b.addBatchStats(
          InferBatchStatistics.newBuilder()
              .setBatchSize(e.getKey())
              .setComputeInfer(duration(e.getValue()[0], e.getValue()[1])));
    }
    return b.build();
  }

  private static StatisticDuration duration(long count, long nanos) {
    return StatisticDuration.newBuilder().setCount(count).setNs(nanos).build();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    infer(request)
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                out.onError(StatusMapping.toException(error));
              } else {
                out.onNext(response);
                out.onCompleted();
              }
            });
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> responses) {
    OrderedResponder<ModelStreamInferResponse> out =
        new OrderedResponder<>(
            (ServerCallStreamObserver<ModelStreamInferResponse>) responses, STREAM_WINDOW);
    return new StreamObserver<>() {
      @Override
      public void onNext(ModelInferRequest request) {
        OrderedResponder.Slot<ModelStreamInferResponse> slot = out.next();
        // Triton's contract: a failed request yields an error message and the stream goes on.
        infer(request)
            .whenComplete(
                (response, error) ->
                    slot.complete(
                        error == null
                            ? ModelStreamInferResponse.newBuilder()
                                .setInferResponse(response)
                                .build()
                            : ModelStreamInferResponse.newBuilder()
                                .setErrorMessage(StatusMapping.describe(error))
                                .setInferResponse(
                                    ModelInferResponse.newBuilder()
                                        .setModelName(request.getModelName())
                                        .setId(request.getId()))
                                .build()));
      }

      @Override
      public void onError(Throwable t) {
        out.abandon();
      }

      @Override
      public void onCompleted() {
        out.endWhenFlushed(Status.OK);
      }
    };
  }

  /** Runs every batch element of a request as a frame; never throws. */
  private CompletableFuture<ModelInferResponse> infer(ModelInferRequest request) {
    try {
      ServedModel m = model(request.getModelName(), request.getModelVersion());
      ModelPipeline p = m.pipeline();
      List<ValueInfo> outputs = KServeTensors.requestedOutputs(request, p.frameOutputs());
      List<EncodedImage> frames = KServeTensors.frames(request, p.inputSpec());
      List<CompletableFuture<FrameResult>> results = new ArrayList<>(frames.size());
      for (int i = 0; i < frames.size(); i++) {
        results.add(p.submit(new FrameRequest(request.getId(), i, 0, frames.get(i), false, 0)));
      }
      return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
          .thenApply(
              v ->
                  KServeTensors.response(
                      request,
                      m.name(),
                      outputs,
                      results.stream().map(CompletableFuture::join).toList()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private ServedModel model(String name, String version) {
    if (!versionServed(version)) {
      throw Status.NOT_FOUND
          .withDescription(
              "model '" + name + "' has only version " + MODEL_VERSION + ", not '" + version + "'")
          .asRuntimeException();
    }
    return state.model(name);
  }

  private static boolean versionServed(String version) {
    return version.isEmpty() || version.equals(MODEL_VERSION);
  }

  private interface Call<T> {
    T run();
  }

  private static <T> void unary(StreamObserver<T> out, Call<T> call) {
    T response;
    try {
      response = call.run();
    } catch (RuntimeException e) {
      out.onError(StatusMapping.toException(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
