package io.framegate.accelerator.onnx;

import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes ONNX TensorProtos. Floating types (FLOAT, DOUBLE, FLOAT16, BFLOAT16) become FLOAT32
 * tensors; integer and boolean types become INT64 tensors, since constants of those types only ever
 * carry shapes, indices and axes in the graphs the engine runs.
 */
public final class TensorDecoder {
  private TensorDecoder() {}

  /** The engine type for a graph input/output element type, or an "unsupported" error. */
  static DataType valueType(int elemType, String what) {
    return switch (elemType) {
      case TensorProto.DataType.FLOAT_VALUE -> DataType.FLOAT32;
      case TensorProto.DataType.INT64_VALUE -> DataType.INT64;
      default ->
          throw new InvalidModelException(
              "unsupported element type "
                  + typeName(elemType)
                  + " of "
                  + what
                  + ": the engine computes in FLOAT (INT64 for shapes and indices)");
    };
  }

  static String typeName(int elemType) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(elemType);
    return t == null ? "#" + elemType : t.name();
  }

  public static Tensor decode(TensorProto t, String what) {
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new InvalidModelException(
          "unsupported external data for tensor '" + what + "': save the model with data inside");
    }
    int[] shape = new int[t.getDimsCount()];
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = t.getDims(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new InvalidModelException("tensor '" + what + "' has an invalid dimension " + d);
      }
      shape[i] = (int) d;
      n *= d;
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new InvalidModelException("tensor '" + what + "' is too large");
    }
    int count = (int) n;
    boolean raw = t.hasRawData();
    ByteBuffer bytes = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int type = t.getDataType();
    try {
      switch (type) {
        case TensorProto.DataType.FLOAT_VALUE -> {
          float[] f = new float[count];
          if (raw) {
            need(bytes, count * 4L, what);
            bytes.asFloatBuffer().get(f);
          } else {
            need(t.getFloatDataCount(), count, what);
            for (int i = 0; i < count; i++) {
              f[i] = t.getFloatData(i);
            }
          }
          return Tensor.of(f, shape);
        }
        case TensorProto.DataType.DOUBLE_VALUE -> {
          float[] f = new float[count];
          if (raw) {
            need(bytes, count * 8L, what);
            for (int i = 0; i < count; i++) {
              f[i] = (float) bytes.getDouble(i * 8);
            }
          } else {
            need(t.getDoubleDataCount(), count, what);
            for (int i = 0; i < count; i++) {
              f[i] = (float) t.getDoubleData(i);
            }
          }
          return Tensor.of(f, shape);
        }
        case TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE -> {
          float[] f = new float[count];
          boolean bf = type == TensorProto.DataType.BFLOAT16_VALUE;
          for (int i = 0; i < count; i++) {
            int bits;
            if (raw) {
              need(bytes, count * 2L, what);
              bits = bytes.getShort(i * 2) & 0xffff;
            } else {
              need(t.getInt32DataCount(), count, what);
              bits = t.getInt32Data(i) & 0xffff;
            }
            f[i] = bf ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
          }
          return Tensor.of(f, shape);
        }
        case TensorProto.DataType.INT64_VALUE -> {
          long[] v = new long[count];
          if (raw) {
            need(bytes, count * 8L, what);
            bytes.asLongBuffer().get(v);
          } else {
            need(t.getInt64DataCount(), count, what);
            for (int i = 0; i < count; i++) {
              v[i] = t.getInt64Data(i);
            }
          }
          return Tensor.ofLongs(v, shape);
        }
        case TensorProto.DataType.INT32_VALUE,
            TensorProto.DataType.INT16_VALUE,
            TensorProto.DataType.INT8_VALUE,
            TensorProto.DataType.UINT8_VALUE,
            TensorProto.DataType.UINT16_VALUE,
            TensorProto.DataType.BOOL_VALUE -> {
          int width =
              switch (type) {
                case TensorProto.DataType.INT32_VALUE -> 4;
                case TensorProto.DataType.INT16_VALUE, TensorProto.DataType.UINT16_VALUE -> 2;
                default -> 1;
              };
          boolean unsigned =
              type == TensorProto.DataType.UINT8_VALUE
                  || type == TensorProto.DataType.UINT16_VALUE
                  || type == TensorProto.DataType.BOOL_VALUE;
          long[] v = new long[count];
          if (raw) {
            need(bytes, (long) count * width, what);
            for (int i = 0; i < count; i++) {
              v[i] =
                  switch (width) {
                    case 4 -> bytes.getInt(i * 4);
                    case 2 -> unsigned ? bytes.getShort(i * 2) & 0xffff : bytes.getShort(i * 2);
                    default -> unsigned ? bytes.get(i) & 0xff : bytes.get(i);
                  };
            }
          } else {
            need(t.getInt32DataCount(), count, what);
            for (int i = 0; i < count; i++) {
              v[i] = t.getInt32Data(i);
            }
          }
          return Tensor.ofLongs(v, shape);
        }
        default ->
            throw new InvalidModelException(
                "unsupported element type " + typeName(type) + " of tensor '" + what + "'");
      }
    } catch (IndexOutOfBoundsException e) {
      throw new InvalidModelException("tensor '" + what + "' has too little data", e);
    }
  }

  private static void need(ByteBuffer bytes, long length, String what) {
    if (bytes.remaining() != length) {
      throw new InvalidModelException(
          "tensor '" + what + "' has " + bytes.remaining() + " bytes of data, expected " + length);
    }
  }

  private static void need(int have, int count, String what) {
    if (have != count) {
      throw new InvalidModelException(
          "tensor '" + what + "' has " + have + " values, its shape needs " + count);
    }
  }
}
