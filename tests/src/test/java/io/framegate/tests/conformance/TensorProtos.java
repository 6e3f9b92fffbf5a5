package io.framegate.tests.conformance;

import com.google.protobuf.ByteString;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Decodes serialized {@code onnx.TensorProto} test data into framegate tensors. Written for the
 * harness so that the engine's own importer is not the thing that reads the expected values.
 */
final class TensorProtos {
  private TensorProtos() {}

  /** Reads one {@code input_K.pb} / {@code output_K.pb} file. */
  static TensorProto read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return TensorProto.parseFrom(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TensorProto " + file, e);
    }
  }

  /**
   * FLOAT from float_data or little-endian raw_data; INT64 from int64_data or little-endian
   * raw_data. Any other element type is refused with its name.
   */
  static Tensor decode(TensorProto proto) {
    int[] shape = shape(proto);
    int n = elementCount(proto, shape);
    if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new IllegalArgumentException(describe(proto) + " keeps its data in an external file");
    }
    ByteString raw = proto.getRawData();
    return switch (proto.getDataType()) {
      case TensorProto.DataType.FLOAT_VALUE -> {
        float[] data = new float[n];
        if (!raw.isEmpty()) {
          checkRawLength(proto, raw, n, Float.BYTES);
          raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
          checkCount(proto, "float_data", proto.getFloatDataCount(), n);
          List<Float> values = proto.getFloatDataList();
          for (int i = 0; i < n; i++) {
            data[i] = values.get(i);
          }
        }
        yield Tensor.of(data, shape);
      }
      case TensorProto.DataType.INT64_VALUE -> {
        long[] data = new long[n];
        if (!raw.isEmpty()) {
          checkRawLength(proto, raw, n, Long.BYTES);
          raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(data);
        } else {
          checkCount(proto, "int64_data", proto.getInt64DataCount(), n);
          List<Long> values = proto.getInt64DataList();
          for (int i = 0; i < n; i++) {
            data[i] = values.get(i);
          }
        }
        yield Tensor.ofLongs(data, shape);
      }
      default ->
          throw new IllegalArgumentException(
              describe(proto)
                  + " has element type "
                  + typeName(proto.getDataType())
                  + "; only FLOAT and INT64 are decoded");
    };
  }

  /** The ONNX name of an element type code, e.g. {@code BOOL}, for reasons and messages. */
  static String typeName(int code) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(code);
    return t == null ? "element type " + code : t.name();
  }

  static int[] shape(TensorProto proto) {
    int[] shape = new int[proto.getDimsCount()];
    for (int i = 0; i < shape.length; i++) {
      long d = proto.getDims(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(describe(proto) + " has dimension " + i + " = " + d);
      }
      shape[i] = (int) d;
    }
    return shape;
  }

  private static int elementCount(TensorProto proto, int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(describe(proto) + " has too many elements");
      }
    }
    return (int) n;
  }

  private static void checkRawLength(TensorProto proto, ByteString raw, int n, int width) {
    if (raw.size() != (long) n * width) {
      throw new IllegalArgumentException(
          describe(proto)
              + " has "
              + raw.size()
              + " bytes of raw_data, its shape needs "
              + (long) n * width);
    }
  }

  private static void checkCount(TensorProto proto, String field, int have, int n) {
    if (have != n) {
      throw new IllegalArgumentException(
          describe(proto) + " has " + have + " values in " + field + ", its shape needs " + n);
    }
  }

  private static String describe(TensorProto proto) {
    return "TensorProto '" + proto.getName() + "'";
  }
}
