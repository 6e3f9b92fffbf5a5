package io.framegate.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.inference.GrpcServiceProto;
import io.framegate.proto.inference.ModelConfig;
import io.framegate.proto.inference.ModelInferRequest;
import io.framegate.proto.inference.ModelInferResponse;
import io.framegate.proto.inference.ModelStreamInferResponse;
import io.framegate.proto.video.Frame;
import io.framegate.proto.video.FrameResult;
import io.framegate.proto.video.VideoInferenceGrpc;
import org.junit.jupiter.api.Test;

/**
 * Wire compatibility with KServe v2 / Triton clients rests on full names and field numbers; these
 * are the values from the public schema.
 */
class ServingSchemaTest {

  private static void assertField(Descriptor message, String field, int number) {
    FieldDescriptor f = message.findFieldByName(field);
    assertNotNull(f, message.getFullName() + " has no field " + field);
    assertEquals(number, f.getNumber(), message.getFullName() + "." + field);
  }

  @Test
  void inferRequestAndResponseFieldNumbers() {
    Descriptor req = ModelInferRequest.getDescriptor();
    assertEquals("inference.ModelInferRequest", req.getFullName());
    assertField(req, "model_name", 1);
    assertField(req, "model_version", 2);
    assertField(req, "id", 3);
    assertField(req, "parameters", 4);
    assertField(req, "inputs", 5);
    assertField(req, "outputs", 6);
    assertField(req, "raw_input_contents", 7);
    Descriptor input = ModelInferRequest.InferInputTensor.getDescriptor();
    assertEquals("inference.ModelInferRequest.InferInputTensor", input.getFullName());
    assertField(input, "name", 1);
    assertField(input, "datatype", 2);
    assertField(input, "shape", 3);
    assertField(input, "contents", 5);

    Descriptor resp = ModelInferResponse.getDescriptor();
    assertField(resp, "outputs", 5);
    assertField(resp, "raw_output_contents", 6);

    Descriptor stream = ModelStreamInferResponse.getDescriptor();
    assertField(stream, "error_message", 1);
    assertField(stream, "infer_response", 2);

    Descriptor contents = io.framegate.proto.inference.InferTensorContents.getDescriptor();
    assertField(contents, "uint_contents", 4);
    assertField(contents, "fp32_contents", 6);
    assertField(contents, "bytes_contents", 8);

    Descriptor config = ModelConfig.getDescriptor();
    assertField(config, "max_batch_size", 4);
    assertField(config, "input", 5);
    assertField(config, "output", 6);
    assertField(config, "dynamic_batching", 11);
  }

  @Test
  void serviceHasTheKServeMethodsWithStreamingWhereTritonHasIt() {
    ServiceDescriptor svc =
        GrpcServiceProto.getDescriptor().findServiceByName("GRPCInferenceService");
    assertEquals("inference.GRPCInferenceService", svc.getFullName());
    for (String m :
        new String[] {
          "ServerLive",
          "ServerReady",
          "ModelReady",
          "ServerMetadata",
          "ModelMetadata",
          "ModelInfer",
          "ModelStreamInfer",
          "ModelConfig",
          "ModelStatistics"
        }) {
      assertNotNull(svc.findMethodByName(m), "missing rpc " + m);
    }
    MethodDescriptor streamInfer = svc.findMethodByName("ModelStreamInfer");
    assertTrue(streamInfer.isClientStreaming() && streamInfer.isServerStreaming());
    assertEquals(
        "inference.GRPCInferenceService/ModelStreamInfer",
        GRPCInferenceServiceGrpc.getModelStreamInferMethod().getFullMethodName());
    assertEquals(
        "framegate.video.VideoInference/Stream",
        VideoInferenceGrpc.getStreamMethod().getFullMethodName());
  }

  @Test
  void rawContentsSurviveARoundTrip() throws Exception {
    byte[] pixels = {1, 2, 3, (byte) 250};
    ModelInferRequest req =
        ModelInferRequest.newBuilder()
            .setModelName("m")
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("x")
                    .setDatatype("UINT8")
                    .addShape(1)
                    .addShape(4))
            .addRawInputContents(ByteString.copyFrom(pixels))
            .build();
    ModelInferRequest back = ModelInferRequest.parseFrom(req.toByteArray());
    assertEquals(ByteString.copyFrom(pixels), back.getRawInputContents(0));
    assertEquals(4, back.getInputs(0).getShape(1));

    Frame f = Frame.newBuilder().setStreamId("cam").setSequence(7).setLatestWins(true).build();
    assertEquals(7, Frame.parseFrom(f.toByteArray()).getSequence());
    assertField(FrameResult.getDescriptor(), "dropped_before", 7);
  }
}
