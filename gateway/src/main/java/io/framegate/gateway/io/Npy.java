package io.framegate.gateway.io;

import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Numpy's {@code .npy} file format: a magic string, a version, a Python dict literal header ({@code
 * descr}, {@code fortran_order}, {@code shape}) padded to a multiple of 64 bytes, then the raw
 * elements. Reads float32 C-order arrays (versions 1.0, 2.0 and 3.0, either byte order); writes
 * version 1.0 (2.0 when the header is too long for it) with little-endian float32 or int64.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGNMENT = 64;

  private Npy() {}

  /** Reads a float32 array; every problem is an {@link InvalidInputException} naming the file. */
  public static Tensor read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
    }
    return parse(bytes, file.toString());
  }

  /** Parses the bytes of a {@code .npy} file; {@code source} names it in error messages. */
  public static Tensor parse(byte[] bytes, String source) {
    if (bytes.length < MAGIC.length + 2
        || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw bad(source, "not a .npy file (no \\x93NUMPY magic at the start)");
    }
    int major = bytes[6] & 0xff;
    int minor = bytes[7] & 0xff;
    int prefix;
    long headerLength;
    if (major == 1) {
      prefix = 10;
      headerLength = bytes.length < prefix ? -1 : (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
    } else if (major == 2 || major == 3) {
      prefix = 12;
      headerLength =
          bytes.length < prefix
              ? -1
              : ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    } else {
      throw bad(source, "unsupported .npy format version " + major + "." + minor);
    }
    if (headerLength < 0 || prefix + headerLength > bytes.length) {
      throw bad(source, "truncated: the file ends inside its header");
    }
    // version 3.0 differs from 2.0 only in allowing UTF-8 in the header
    String header =
        new String(
            bytes,
            prefix,
            (int) headerLength,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Map<String, Object> dict = new HeaderParser(header, source).parseDict();

    Object descr = required(dict, "descr", source);
    Object fortran = required(dict, "fortran_order", source);
    Object shapeValue = required(dict, "shape", source);
    if (!(descr instanceof String dtype)) {
      throw bad(source, "structured dtypes are not supported; save a plain float32 array");
    }
    ByteOrder order = floatOrder(dtype, source);
    if (!(fortran instanceof Boolean isFortran)) {
      throw bad(source, "header value 'fortran_order' should be True or False");
    }
    if (isFortran) {
      throw bad(
          source,
          "Fortran-order arrays are not supported; save a C-order array"
              + " (numpy.ascontiguousarray)");
    }
    if (!(shapeValue instanceof int[] shape)) {
      throw bad(source, "header value 'shape' should be a tuple of integers");
    }
    int count;
    try {
      count = Shapes.size(shape);
    } catch (IllegalArgumentException e) {
      throw bad(source, "shape " + Arrays.toString(shape) + " is too large");
    }
    long start = prefix + headerLength;
    long expected = 4L * count;
    long available = bytes.length - start;
    if (available < expected) {
      throw bad(
          source,
          "truncated: shape "
              + Arrays.toString(shape)
              + " needs "
              + expected
              + " bytes of data but the file has "
              + available);
    }
    if (available > expected) {
      throw bad(
          source,
          (available - expected)
              + " unexpected bytes after the data of shape "
              + Arrays.toString(shape));
    }
    float[] data = new float[count];
    ByteBuffer.wrap(bytes, (int) start, (int) expected).order(order).asFloatBuffer().get(data);
    return Tensor.of(data, shape);
  }

  /** Writes a FLOAT32 ({@code <f4}) or INT64 ({@code <i8}) tensor. */
  public static void write(Path file, Tensor tensor) throws IOException {
    Files.write(file, toBytes(tensor));
  }

  public static byte[] toBytes(Tensor tensor) {
    int[] shape = tensor.shape();
    boolean floats = tensor.type() == DataType.FLOAT32;
    StringBuilder dims = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      dims.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    // Python spells a one-element tuple "(3,)"
    dims.append(shape.length == 1 ? ",)" : ")");
    String dict =
        "{'descr': '"
            + (floats ? "<f4" : "<i8")
            + "', 'fortran_order': False, 'shape': "
            + dims
            + ", }";
    int version = 1;
    String header = padHeader(dict, 10);
    if (header.length() > 0xffff) {
      version = 2; // a 4-byte header length
      header = padHeader(dict, 12);
    }
    int prefix = version == 1 ? 10 : 12;
    int elementBytes = floats ? 4 : 8;
    ByteBuffer out =
        ByteBuffer.allocate(prefix + header.length() + elementBytes * tensor.size())
            .order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) version).put((byte) 0);
    if (version == 1) {
      out.putShort((short) header.length());
    } else {
      out.putInt(header.length());
    }
    out.put(header.getBytes(StandardCharsets.ISO_8859_1));
    if (floats) {
      out.asFloatBuffer().put(tensor.floats());
    } else {
      out.asLongBuffer().put(tensor.longs());
    }
    return out.array();
  }

  /** Spaces and a final newline so that the data starts on a 64-byte boundary. */
  private static String padHeader(String dict, int prefix) {
    int total = prefix + dict.length() + 1;
    int padded = (total + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    return dict + " ".repeat(padded - total) + "\n";
  }

  private static ByteOrder floatOrder(String dtype, String source) {
    switch (dtype) {
      case "<f4":
        return ByteOrder.LITTLE_ENDIAN;
      case ">f4":
        return ByteOrder.BIG_ENDIAN;
      default:
        throw bad(
            source,
            "dtype '"
                + dtype
                + "'"
                + describe(dtype)
                + " is not supported; framegate reads float32 ('<f4'): convert with"
                + " a.astype(numpy.float32)");
    }
  }

  /** A readable name for common numpy type codes, e.g. " (float64)". */
  private static String describe(String dtype) {
    String code =
        dtype.length() > 1 && "<>|=".indexOf(dtype.charAt(0)) >= 0 ? dtype.substring(1) : dtype;
    String kind =
        switch (code.isEmpty() ? ' ' : code.charAt(0)) {
          case 'f' -> "float";
          case 'i' -> "int";
          case 'u' -> "uint";
          case 'c' -> "complex";
          case 'b' -> "bool";
          default -> null;
        };
    if (kind == null) {
      return "";
    }
    if (kind.equals("bool")) {
      return " (bool)";
    }
    try {
      return " (" + kind + 8 * Integer.parseInt(code.substring(1)) + ")";
    } catch (NumberFormatException e) {
      return "";
    }
  }

  private static Object required(Map<String, Object> dict, String key, String source) {
    Object v = dict.get(key);
    if (v == null) {
      throw bad(source, "header has no '" + key + "' entry");
    }
    return v;
  }

  private static InvalidInputException bad(String source, String message) {
    return new InvalidInputException(source + ": " + message);
  }

  /**
   * The header is a Python literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape':
   * (2, 3), }}: a dict of strings, booleans and tuples of integers. Lists (structured dtypes) are
   * read as a marker so that the caller can name them.
   */
  private static final class HeaderParser {
    private static final Object LIST = new Object();
    private final String text;
    private final String source;
    private int pos;

    HeaderParser(String text, String source) {
      this.text = text;
      this.source = source;
    }

    Map<String, Object> parseDict() {
      Map<String, Object> dict = new HashMap<>();
      expect('{');
      while (true) {
        skipSpace();
        if (peek() == '}') {
          pos++;
          return dict;
        }
        Object key = value();
        if (!(key instanceof String name)) {
          throw error("expected a quoted key");
        }
        expect(':');
        dict.put(name, value());
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != '}') {
          throw error("expected ',' or '}'");
        }
      }
    }

    private Object value() {
      skipSpace();
      char c = peek();
      if (c == '\'' || c == '"') {
        int end = text.indexOf(c, pos + 1);
        if (end < 0) {
          throw error("unterminated string");
        }
        String s = text.substring(pos + 1, end);
        pos = end + 1;
        return s;
      }
      if (text.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (text.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      if (c == '(') {
        return tuple();
      }
      if (c == '[') {
        skipBracketed();
        return LIST;
      }
      throw error("unexpected '" + c + "'");
    }

    private int[] tuple() {
      expect('(');
      List<Integer> dims = new ArrayList<>();
      while (true) {
        skipSpace();
        if (peek() == ')') {
          pos++;
          break;
        }
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
          pos++;
        }
        if (start == pos) {
          throw error("expected a non-negative integer in the shape");
        }
        try {
          dims.add(Integer.parseInt(text.substring(start, pos)));
        } catch (NumberFormatException e) {
          throw error("dimension " + text.substring(start, pos) + " is too large");
        }
        if (peek() == 'L') {
          pos++; // files written by Python 2 spell longs "3L"
        }
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != ')') {
          throw error("expected ',' or ')' in the shape");
        }
      }
      return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private void skipBracketed() {
      int depth = 0;
      do {
        char c = peek();
        if (c == '[') {
          depth++;
        } else if (c == ']') {
          depth--;
        }
        pos++;
      } while (depth > 0);
    }

    private void expect(char c) {
      skipSpace();
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private char peek() {
      if (pos >= text.length()) {
        throw error("the header ends early");
      }
      return text.charAt(pos);
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private InvalidInputException error(String what) {
      return bad(source, "malformed header at character " + pos + ": " + what);
    }
  }
}
