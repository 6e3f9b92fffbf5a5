package io.framegate.gateway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  private final Random random = new Random(20251122);

  @Test
  void roundTripsOddShapesThroughAFile(@TempDir Path dir) throws Exception {
    int[][] shapes = {{}, {1}, {7}, {3, 5}, {2, 3, 5, 7}, {1, 0, 3}, {13, 1, 11}};
    for (int[] shape : shapes) {
      float[] data = randomFloats(size(shape));
      Path file = dir.resolve("t" + shape.length + ".npy");
      Npy.write(file, Tensor.of(data, shape));
      Tensor back = Npy.read(file);
      assertEquals(DataType.FLOAT32, back.type());
      assertArrayEquals(shape, back.shape(), Arrays.toString(shape));
      assertArrayEquals(data, back.floats(), Arrays.toString(shape));
    }
  }

  @Test
  void writesTheLayoutNumpyWrites() {
    float[] data = randomFloats(15);
    byte[] bytes = Npy.toBytes(Tensor.of(data, 3, 5));
    // the header numpy 1.x/2.x writes for a (3, 5) float32 array, padded to 64 bytes
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }";
    String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
    assertEquals(118, header.length(), "numpy 2.x writes a 118-byte header for this array");
    byte[] expected = npy(1, header, littleEndian(data));
    assertArrayEquals(expected, bytes);
    assertEquals(0, (bytes.length - 4 * data.length) % 64, "data must start on a 64-byte boundary");
  }

  @Test
  void writesOneDimensionalShapesAsPythonTuplesAndInt64AsI8() {
    byte[] bytes = Npy.toBytes(Tensor.ofLongs(new long[] {4, -9, 1L << 40}, 3));
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    assertTrue(text.contains("'descr': '<i8'"), text);
    assertTrue(text.contains("'shape': (3,)"), text);
    ByteBuffer data = ByteBuffer.wrap(bytes, bytes.length - 24, 24).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(4, data.getLong());
    assertEquals(-9, data.getLong());
    assertEquals(1L << 40, data.getLong());
  }

  @Test
  void readsVersionTwoBigEndianAndHandWrittenHeaders() {
    float[] data = randomFloats(2 * 3 * 5);
    // version 2.0: 4-byte header length; other key order and spacing; Python 2 long dims
    String header = "{\"shape\":(2L,3,5),\"fortran_order\":False,\"descr\":\">f4\"}\n";
    ByteBuffer be = ByteBuffer.allocate(4 * data.length).order(ByteOrder.BIG_ENDIAN);
    be.asFloatBuffer().put(data);
    Tensor t = Npy.parse(npy(2, header, be.array()), "hand.npy");
    assertArrayEquals(new int[] {2, 3, 5}, t.shape());
    assertArrayEquals(data, t.floats());
  }

  @Test
  void rejectsFortranOrder() {
    String message = failure(npy(1, header("<f4", "True", "(2, 3)"), new byte[24]));
    assertTrue(message.contains("Fortran"), message);
  }

  @Test
  void rejectsOtherDtypesNamingThem() {
    String message = failure(npy(1, header("<f8", "False", "(3,)"), new byte[24]));
    assertTrue(message.contains("'<f8'") && message.contains("float64"), message);
    message = failure(npy(1, header("|u1", "False", "(3,)"), new byte[3]));
    assertTrue(message.contains("'|u1'") && message.contains("uint8"), message);
    message =
        failure(
            npy(
                1,
                "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }\n",
                new byte[8]));
    assertTrue(message.contains("structured"), message);
  }

  @Test
  void rejectsTruncatedFilesWithOneLine() {
    byte[] whole = Npy.toBytes(Tensor.of(randomFloats(21), 3, 7));
    String message = failure(Arrays.copyOf(whole, whole.length - 5));
    assertTrue(message.contains("truncated") && message.contains("84"), message);
    message = failure(Arrays.copyOf(whole, 30));
    assertTrue(message.contains("truncated") && message.contains("header"), message);
    message = failure(Arrays.copyOf(whole, 4));
    assertTrue(message.contains("not a .npy file"), message);
    for (int cut = 0; cut < whole.length; cut += 7) {
      String m = failure(Arrays.copyOf(whole, cut));
      assertTrue(m.startsWith("bad.npy: ") && !m.contains("\n"), m);
    }
  }

  @Test
  void rejectsTrailingBytesUnknownVersionsAndBadHeaders() {
    byte[] whole = Npy.toBytes(Tensor.of(randomFloats(5), 5));
    assertTrue(failure(Arrays.copyOf(whole, whole.length + 4)).contains("4 unexpected bytes"));
    byte[] v9 = whole.clone();
    v9[6] = 9;
    assertTrue(failure(v9).contains("version 9.0"));
    String m =
        failure(
            npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }\n", new byte[0]));
    assertTrue(m.contains("malformed header"), m);
    m = failure(npy(1, "{'descr': '<f4', 'shape': (2,), }\n", new byte[8]));
    assertTrue(m.contains("fortran_order"), m);
  }

  private static String failure(byte[] bytes) {
    return assertThrows(InvalidInputException.class, () -> Npy.parse(bytes, "bad.npy"))
        .getMessage();
  }

  private static String header(String descr, String fortran, String shape) {
    return "{'descr': '"
        + descr
        + "', 'fortran_order': "
        + fortran
        + ", 'shape': "
        + shape
        + ", }\n";
  }

  /** Magic, version, little-endian header length, header, data: the format's definition. */
  private static byte[] npy(int major, String header, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    int n = header.length();
    out.write(n & 0xff);
    out.write(n >> 8 & 0xff);
    if (major >= 2) {
      out.write(n >> 16 & 0xff);
      out.write(n >> 24 & 0xff);
    }
    out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(data);
    return out.toByteArray();
  }

  private static byte[] littleEndian(float[] data) {
    byte[] out = new byte[4 * data.length];
    for (int i = 0; i < data.length; i++) {
      int bits = Float.floatToRawIntBits(data[i]);
      for (int b = 0; b < 4; b++) {
        out[4 * i + b] = (byte) (bits >>> (8 * b));
      }
    }
    return out;
  }

  private float[] randomFloats(int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) random.nextGaussian() * 10;
    }
    return f;
  }

  private static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}
