package io.framegate.gateway.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegate.accelerator.plan.JvmPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel timings of ONNX Runtime's profiler (a JSON array of trace events, one {@code
 * model_run} per run and one {@code <node>_kernel_time} per node and run), summed per node over the
 * runs after the first {@code skip} (the warm-up), as the steps of a {@link Profile}. ORT runs its
 * own optimised graph, so its nodes are the fused, re-laid-out ones it executes.
 */
final class OrtProfile {
  /** Per-node totals, and how many runs they cover. */
  record Timings(List<JvmPlan.StepTime> nodes, long runs) {}

  private OrtProfile() {}

  static Timings read(Path json, int skip) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Map<String, long[]> micros = new LinkedHashMap<>();
    Map<String, JsonNode> args = new LinkedHashMap<>();
    long runs = 0;
    try (JsonParser p = mapper.createParser(json.toFile())) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IOException("not an ONNX Runtime profile (no event array): " + json);
      }
      // ORT writes a run's model_run event when the run ends, after its node events: a node event
      // seen after `skip` model_run events belongs to a measured run
      while (p.nextToken() == JsonToken.START_OBJECT) {
        JsonNode e = mapper.readTree(p);
        String cat = e.path("cat").asText();
        String name = e.path("name").asText();
        if (cat.equals("Session") && name.equals("model_run")) {
          runs++;
          continue;
        }
        if (runs < skip || !cat.equals("Node") || !name.endsWith("_kernel_time")) {
          continue;
        }
        String node = name.substring(0, name.length() - "_kernel_time".length());
        micros.computeIfAbsent(node, k -> new long[1])[0] += e.path("dur").asLong();
        args.putIfAbsent(node, e.path("args"));
      }
    }
    List<JvmPlan.StepTime> nodes = new ArrayList<>();
    for (var entry : micros.entrySet()) {
      JsonNode a = args.get(entry.getKey());
      String op = a.path("op_name").asText("?");
      int[] out = shape(a.path("output_type_shape").path(0));
      int[] w = shape(a.path("input_type_shape").path(1));
      int[] x = shape(a.path("input_type_shape").path(0));
      String shape = join(out) + (w.length > 1 && isMatrixOp(op) ? " w " + join(w) : "");
      nodes.add(
          new JvmPlan.StepTime(
              op + " '" + entry.getKey() + "'",
              op,
              shape,
              flops(op, x, w, out),
              entry.getValue()[0] * 1000));
    }
    return new Timings(nodes, Math.max(0, runs - skip));
  }

  private static boolean isMatrixOp(String op) {
    return op.endsWith("Conv") || op.equals("Gemm") || op.equals("MatMul");
  }

  /** Multiply-adds × 2 of one run of a convolution or matrix product, 0 for anything else. */
  static long flops(String op, int[] x, int[] w, int[] out) {
    long outputs = 1;
    for (int d : out) {
      outputs *= d;
    }
    if (op.endsWith("Conv") && w.length == 4) {
      return 2 * outputs * w[1] * w[2] * w[3];
    }
    if ((op.equals("Gemm") || op.equals("MatMul")) && x.length >= 2) {
      return 2 * outputs * x[x.length - 1];
    }
    return 0;
  }

  /** The dimensions of one {@code {"float": [..]}} entry of a shape list. */
  private static int[] shape(JsonNode typed) {
    if (!typed.isObject() || typed.size() != 1) {
      return new int[0];
    }
    JsonNode dims = typed.elements().next();
    int[] s = new int[dims.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = dims.get(i).asInt();
    }
    return s;
  }

  private static String join(int[] s) {
    StringBuilder b = new StringBuilder();
    for (int d : s) {
      b.append(b.isEmpty() ? "" : "x").append(d);
    }
    return b.toString();
  }
}
