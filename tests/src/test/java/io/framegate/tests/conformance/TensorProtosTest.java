package io.framegate.tests.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.TensorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorProtosTest {
  private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
  private static final int INT64 = TensorProto.DataType.INT64_VALUE;

  @Test
  void floatDataKeepsValuesAndShape() {
    Random r = new Random(11);
    float[] values = new float[3 * 5 * 7];
    TensorProto.Builder b = TensorProto.newBuilder().setDataType(FLOAT).addDims(3).addDims(5);
    b.addDims(7);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) r.nextGaussian();
      b.addFloatData(values[i]);
    }
    Tensor t = TensorProtos.decode(b.build());
    assertEquals(DataType.FLOAT32, t.type());
    assertArrayEquals(new int[] {3, 5, 7}, t.shape());
    assertArrayEquals(values, t.floats());
  }

  @Test
  void rawFloatsAreLittleEndian() {
    Random r = new Random(12);
    float[] values = new float[2 * 9];
    for (int i = 0; i < values.length; i++) {
      values[i] = r.nextFloat() * 200 - 100;
    }
    values[3] = Float.NaN;
    values[4] = Float.NEGATIVE_INFINITY;
    values[5] = -0.0f;
    byte[] raw = new byte[values.length * 4];
    for (int i = 0; i < values.length; i++) {
      int bits = Float.floatToRawIntBits(values[i]);
      for (int j = 0; j < 4; j++) {
        raw[4 * i + j] = (byte) (bits >>> (8 * j)); // least significant byte first
      }
    }
    TensorProto p =
        TensorProto.newBuilder()
            .setDataType(FLOAT)
            .addDims(2)
            .addDims(9)
            .setRawData(ByteString.copyFrom(raw))
            .build();
    float[] got = TensorProtos.decode(p).floats();
    for (int i = 0; i < values.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(got[i]), "element " + i);
    }
  }

  @Test
  void int64FromBothEncodings() {
    long[] values = {0, -1, 7, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40, -123456789012L};
    TensorProto.Builder listed = TensorProto.newBuilder().setDataType(INT64).addDims(values.length);
    byte[] raw = new byte[values.length * 8];
    for (int i = 0; i < values.length; i++) {
      listed.addInt64Data(values[i]);
      for (int j = 0; j < 8; j++) {
        raw[8 * i + j] = (byte) (values[i] >>> (8 * j));
      }
    }
    TensorProto rawProto =
        TensorProto.newBuilder()
            .setDataType(INT64)
            .addDims(values.length)
            .setRawData(ByteString.copyFrom(raw))
            .build();
    for (TensorProto p : new TensorProto[] {listed.build(), rawProto}) {
      Tensor t = TensorProtos.decode(p);
      assertEquals(DataType.INT64, t.type());
      assertArrayEquals(new int[] {values.length}, t.shape());
      assertArrayEquals(values, t.longs());
    }
  }

  @Test
  void scalarAndEmptyTensors() {
    Tensor scalar =
        TensorProtos.decode(TensorProto.newBuilder().setDataType(FLOAT).addFloatData(2.5f).build());
    assertArrayEquals(new int[0], scalar.shape());
    assertArrayEquals(new float[] {2.5f}, scalar.floats());

    Tensor empty =
        TensorProtos.decode(
            TensorProto.newBuilder().setDataType(INT64).addDims(0).addDims(3).build());
    assertArrayEquals(new int[] {0, 3}, empty.shape());
    assertEquals(0, empty.size());
  }

  @Test
  void readsASerializedFile(@TempDir Path dir) throws Exception {
    TensorProto p =
        TensorProto.newBuilder()
            .setName("x")
            .setDataType(FLOAT)
            .addDims(1)
            .addDims(3)
            .addFloatData(1)
            .addFloatData(-2)
            .addFloatData(3.5f)
            .build();
    Path file = dir.resolve("input_0.pb");
    Files.write(file, p.toByteArray());
    Tensor t = TensorProtos.decode(TensorProtos.read(file));
    assertArrayEquals(new int[] {1, 3}, t.shape());
    assertArrayEquals(new float[] {1, -2, 3.5f}, t.floats());
  }

  @Test
  void refusesOtherTypesAndWrongSizes() {
    TensorProto bool =
        TensorProto.newBuilder()
            .setName("mask")
            .setDataType(TensorProto.DataType.BOOL_VALUE)
            .addDims(1)
            .addInt32Data(1)
            .build();
    String m =
        assertThrows(IllegalArgumentException.class, () -> TensorProtos.decode(bool)).getMessage();
    assertTrue(m.contains("'mask'") && m.contains("BOOL"), m);

    TensorProto shortRaw =
        TensorProto.newBuilder()
            .setDataType(FLOAT)
            .addDims(3)
            .setRawData(ByteString.copyFrom(new byte[8]))
            .build();
    m =
        assertThrows(IllegalArgumentException.class, () -> TensorProtos.decode(shortRaw))
            .getMessage();
    assertTrue(m.contains("8 bytes") && m.contains("12"), m);

    TensorProto fewValues =
        TensorProto.newBuilder().setDataType(INT64).addDims(2).addInt64Data(4).build();
    m =
        assertThrows(IllegalArgumentException.class, () -> TensorProtos.decode(fewValues))
            .getMessage();
    assertTrue(m.contains("int64_data"), m);
  }
}
