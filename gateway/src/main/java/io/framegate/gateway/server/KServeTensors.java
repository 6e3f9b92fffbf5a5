package io.framegate.gateway.server;

import com.google.protobuf.ByteString;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.pipeline.FrameResult;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.Encoding;
import io.framegate.pipeline.ingest.ModelInputSpec;
import io.framegate.proto.inference.InferParameter;
import io.framegate.proto.inference.InferTensorContents;
import io.framegate.proto.inference.ModelInferRequest;
import io.framegate.proto.inference.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * KServe v2 tensors to frames and results back to tensors. A request carries one image input, as a
 * batch of frames:
 *
 * <ul>
 *   <li>FP32 {@code [N, C, H, W]} (or {@code [C, H, W]}): already normalised, in the model's
 *       channel order; resized if H×W differ from the model's;
 *   <li>UINT8 {@code [N, H, W, C]} or {@code [N, C, H, W]} (or without N), C = 1 or 3: raw pixels,
 *       normalised as the model's config says. The layout is NHWC when the last dimension is 1 or 3
 *       and NCHW otherwise; the input parameter {@code layout} ("NHWC" or "NCHW") overrides that,
 *       and {@code channel_order} ("RGB", the default, or "BGR") says how colours are ordered.
 * </ul>
 *
 * Data comes in {@code raw_input_contents} (little-endian, no padding) or in the typed contents
 * ({@code fp32_contents}, {@code uint_contents}); outputs go back the same way.
 */
final class KServeTensors {
  static final String FP32 = "FP32";
  static final String UINT8 = "UINT8";
  static final String INT64 = "INT64";

  private KServeTensors() {}

  /** Whether the request sent its data raw (and so gets raw outputs back). */
  static boolean raw(ModelInferRequest request) {
    return request.getRawInputContentsCount() > 0;
  }

  /**
   * The request's frames, in batch order; the pixels are not copied where the layout allows.
   *
   * @throws InvalidInputException saying what does not fit
   */
  static List<EncodedImage> frames(ModelInferRequest request, ModelInputSpec spec) {
    if (request.getInputsCount() != 1) {
      throw new InvalidInputException(
          "model '"
              + request.getModelName()
              + "' takes one input, '"
              + spec.inputName()
              + "'; the request has "
              + request.getInputsCount());
    }
    ModelInferRequest.InferInputTensor in = request.getInputs(0);
    if (!in.getName().equals(spec.inputName())) {
      throw new InvalidInputException(
          "input '" + in.getName() + "' is not the model's input '" + spec.inputName() + "'");
    }
    if (request.getRawInputContentsCount() > 1) {
      throw new InvalidInputException(
          "raw_input_contents has " + request.getRawInputContentsCount() + " entries for 1 input");
    }
    if (raw(request) && in.hasContents()) {
      throw new InvalidInputException(
          "input '" + in.getName() + "' has both contents and raw_input_contents; send one");
    }
    long[] shape = in.getShapeList().stream().mapToLong(Long::longValue).toArray();
    for (long d : shape) {
      if (d < 1 || d > ModelInputSpec.MAX_SIDE * 3L) {
        throw new InvalidInputException(
            "input '"
                + in.getName()
                + "' has shape "
                + Arrays.toString(shape)
                + "; dimensions must be positive");
      }
    }
    String type = in.getDatatype().toUpperCase(Locale.ROOT);
    return switch (type) {
      case FP32 -> fp32Frames(request, in, shape, spec);
      case UINT8 -> uint8Frames(request, in, shape);
      default ->
          throw new InvalidInputException(
              "input '"
                  + in.getName()
                  + "' has datatype '"
                  + in.getDatatype()
                  + "'; send FP32 (normalised NCHW) or UINT8 (pixels, NHWC or NCHW)");
    };
  }

  private static List<EncodedImage> fp32Frames(
      ModelInferRequest request,
      ModelInferRequest.InferInputTensor in,
      long[] shape,
      ModelInputSpec spec) {
    long[] nchw = withBatch(shape, in);
    if (nchw[1] != spec.channels()) {
      throw new InvalidInputException(
          "FP32 input '"
              + in.getName()
              + "' has shape "
              + Arrays.toString(shape)
              + "; the model takes [N, "
              + spec.channels()
              + ", H, W]");
    }
    int n = (int) nchw[0];
    long frameFloats = nchw[1] * nchw[2] * nchw[3];
    ByteBuffer data;
    if (raw(request)) {
      data = request.getRawInputContents(0).asReadOnlyByteBuffer();
      expect(data.remaining(), n * frameFloats * 4, in, "bytes in raw_input_contents");
    } else {
      InferTensorContents c = in.getContents();
      expect(c.getFp32ContentsCount(), n * frameFloats, in, "values in fp32_contents");
      data = ByteBuffer.allocate(c.getFp32ContentsCount() * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < c.getFp32ContentsCount(); i++) {
        data.putFloat(c.getFp32Contents(i));
      }
      data.flip();
    }
    List<EncodedImage> out = new ArrayList<>(n);
    int bytes = (int) (frameFloats * 4);
    for (int i = 0; i < n; i++) {
      out.add(
          new EncodedImage(
              Encoding.FP32_CHW, (int) nchw[3], (int) nchw[2], data.slice(i * bytes, bytes)));
    }
    return out;
  }

  private static List<EncodedImage> uint8Frames(
      ModelInferRequest request, ModelInferRequest.InferInputTensor in, long[] shape) {
    long[] s = shape.length == 3 ? new long[] {1, shape[0], shape[1], shape[2]} : shape;
    if (s.length != 4) {
      throw new InvalidInputException(
          "UINT8 input '"
              + in.getName()
              + "' has shape "
              + Arrays.toString(shape)
              + "; send [N, H, W, C] or [N, C, H, W] with C = 1 or 3");
    }
    String layout = stringParameter(in, "layout");
    boolean nhwc;
    if (layout == null) {
      nhwc = s[3] == 1 || s[3] == 3;
    } else if (layout.equalsIgnoreCase("NHWC") || layout.equalsIgnoreCase("NCHW")) {
      nhwc = layout.equalsIgnoreCase("NHWC");
    } else {
      throw new InvalidInputException("parameter layout must be NHWC or NCHW, is '" + layout + "'");
    }
    int n = (int) s[0];
    int c = (int) (nhwc ? s[3] : s[1]);
    int h = (int) (nhwc ? s[1] : s[2]);
    int w = (int) (nhwc ? s[2] : s[3]);
    if (c != 1 && c != 3) {
      throw new InvalidInputException(
          "UINT8 input '"
              + in.getName()
              + "' has shape "
              + Arrays.toString(shape)
              + " read as "
              + (nhwc ? "NHWC" : "NCHW")
              + " with "
              + c
              + " channels; images have 1 or 3");
    }
    String order = stringParameter(in, "channel_order");
    boolean bgr = order != null && order.equalsIgnoreCase("BGR");
    if (order != null && !bgr && !order.equalsIgnoreCase("RGB")) {
      throw new InvalidInputException(
          "parameter channel_order must be RGB or BGR, is '" + order + "'");
    }
    long frameBytes = (long) c * h * w;
    ByteBuffer data;
    if (raw(request)) {
      data = request.getRawInputContents(0).asReadOnlyByteBuffer();
      expect(data.remaining(), n * frameBytes, in, "bytes in raw_input_contents");
    } else {
      InferTensorContents contents = in.getContents();
      expect(contents.getUintContentsCount(), n * frameBytes, in, "values in uint_contents");
      byte[] b = new byte[contents.getUintContentsCount()];
      for (int i = 0; i < b.length; i++) {
        int v = contents.getUintContents(i);
        if (v < 0 || v > 255) {
          throw new InvalidInputException(
              "UINT8 input '"
                  + in.getName()
                  + "' value "
                  + i
                  + " is "
                  + Integer.toUnsignedString(v)
                  + ", above 255");
        }
        b[i] = (byte) v;
      }
      data = ByteBuffer.wrap(b);
    }
    Encoding encoding = c == 1 ? Encoding.GRAY8 : bgr ? Encoding.RAW_BGR24 : Encoding.RAW_RGB24;
    List<EncodedImage> out = new ArrayList<>(n);
    int fb = (int) frameBytes;
    for (int i = 0; i < n; i++) {
      ByteBuffer frame = data.slice(i * fb, fb);
      if (!nhwc && c == 3) {
        frame = interleave(frame, h * w);
      }
      out.add(new EncodedImage(encoding, w, h, frame));
    }
    return out;
  }

  /** Planar C·H·W bytes to interleaved H·W·C. */
  private static ByteBuffer interleave(ByteBuffer planar, int plane) {
    byte[] out = new byte[plane * 3];
    for (int i = 0; i < plane; i++) {
      out[3 * i] = planar.get(i);
      out[3 * i + 1] = planar.get(plane + i);
      out[3 * i + 2] = planar.get(2 * plane + i);
    }
    return ByteBuffer.wrap(out);
  }

  private static long[] withBatch(long[] shape, ModelInferRequest.InferInputTensor in) {
    if (shape.length == 3) {
      return new long[] {1, shape[0], shape[1], shape[2]};
    }
    if (shape.length != 4) {
      throw new InvalidInputException(
          "FP32 input '"
              + in.getName()
              + "' has shape "
              + Arrays.toString(shape)
              + "; send [N, C, H, W]");
    }
    return shape;
  }

  private static void expect(
      long have, long need, ModelInferRequest.InferInputTensor in, String what) {
    if (have != need) {
      throw new InvalidInputException(
          "input '"
              + in.getName()
              + "' of shape "
              + in.getShapeList()
              + " needs "
              + need
              + " "
              + what
              + ", has "
              + have);
    }
  }

  private static String stringParameter(ModelInferRequest.InferInputTensor in, String name) {
    InferParameter p = in.getParametersMap().get(name);
    return p == null || !p.hasStringParam() ? null : p.getStringParam();
  }

  /** The outputs a request asked for (all when it names none), checked against the model's. */
  static List<ValueInfo> requestedOutputs(ModelInferRequest request, List<ValueInfo> outputs) {
    if (request.getOutputsCount() == 0) {
      return outputs;
    }
    Set<String> seen = new LinkedHashSet<>();
    List<ValueInfo> out = new ArrayList<>();
    for (ModelInferRequest.InferRequestedOutputTensor r : request.getOutputsList()) {
      ValueInfo v =
          outputs.stream()
              .filter(o -> o.name().equals(r.getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          "output '"
                              + r.getName()
                              + "' is not one of the model's: "
                              + String.join(", ", outputs.stream().map(ValueInfo::name).toList())));
      if (seen.add(v.name())) {
        out.add(v);
      }
    }
    return out;
  }

  /** One response holding every frame's outputs stacked along the batch dimension. */
  static ModelInferResponse response(
      ModelInferRequest request, String model, List<ValueInfo> outputs, List<FrameResult> results) {
    ModelInferResponse.Builder b =
        ModelInferResponse.newBuilder()
            .setModelName(model)
            .setModelVersion(InferenceService.MODEL_VERSION)
            .setId(request.getId());
    boolean raw = raw(request);
    int n = results.size();
    for (ValueInfo o : outputs) {
      Tensor first = results.get(0).outputs().get(o.name());
      int[] shape = first.shape();
      shape[0] = n;
      ModelInferResponse.InferOutputTensor.Builder t =
          ModelInferResponse.InferOutputTensor.newBuilder().setName(o.name());
      for (int d : shape) {
        t.addShape(d);
      }
      int per = first.size();
      if (first.type() == DataType.INT64) {
        t.setDatatype(INT64);
        ByteBuffer bytes = ByteBuffer.allocate(n * per * 8).order(ByteOrder.LITTLE_ENDIAN);
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (FrameResult r : results) {
          for (long v : r.outputs().get(o.name()).longs()) {
            if (raw) {
              bytes.putLong(v);
            } else {
              c.addInt64Contents(v);
            }
          }
        }
        finish(b, t, c, bytes, raw);
      } else {
        t.setDatatype(FP32);
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer bytes =
            ByteBuffer.allocate(raw ? n * per * 4 : 0).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          float[] v = results.get(i).outputs().get(o.name()).floats();
          if (raw) {
            bytes.asFloatBuffer().put(i * per, v);
          } else {
            for (float x : v) {
              c.addFp32Contents(x);
            }
          }
        }
        finish(b, t, c, bytes, raw);
      }
    }
    return b.build();
  }

  private static void finish(
      ModelInferResponse.Builder b,
      ModelInferResponse.InferOutputTensor.Builder t,
      InferTensorContents.Builder c,
      ByteBuffer bytes,
      boolean raw) {
    if (raw) {
      b.addOutputs(t);
      b.addRawOutputContents(ByteString.copyFrom(bytes.array()));
    } else {
      b.addOutputs(t.setContents(c));
    }
  }
}
