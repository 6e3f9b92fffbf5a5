package io.framegate.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framegate.accelerator.plan.JvmPlan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a plan's time goes, from its step timings: the slowest steps, and the time per operator
 * type, each per run and as a share of the time of all steps.
 */
record Profile(long runs, double totalMillis, List<Row> top, List<Row> byType) {

  /** One step, or all steps of one operator type; millis are per run. */
  record Row(String name, String opType, String shape, int steps, double millis, long flops) {
    double gflopsPerSecond() {
      return millis > 0 ? flops / millis / 1e6 : 0;
    }
  }

  static Profile of(List<JvmPlan.StepTime> times, long runs, int top) {
    double per = Math.max(1, runs) * 1e6;
    List<Row> rows = new ArrayList<>();
    Map<String, Row> types = new LinkedHashMap<>();
    double total = 0;
    for (JvmPlan.StepTime t : times) {
      Row row = new Row(t.step(), t.opType(), t.shape(), 1, t.nanos() / per, t.flops());
      rows.add(row);
      total += row.millis();
      types.merge(
          t.opType(),
          row,
          (a, b) ->
              new Row(
                  a.opType(),
                  a.opType(),
                  "",
                  a.steps() + b.steps(),
                  a.millis() + b.millis(),
                  a.flops() + b.flops()));
    }
    Comparator<Row> slowest = Comparator.comparingDouble(Row::millis).reversed();
    rows.sort(slowest);
    List<Row> byType = new ArrayList<>(types.values());
    byType.sort(slowest);
    return new Profile(runs, total, rows.subList(0, Math.min(top, rows.size())), byType);
  }

  private double share(Row r) {
    return totalMillis > 0 ? 100 * r.millis() / totalMillis : 0;
  }

  void print(PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "  profile over %d runs: steps take %.2f ms per run%n  %8s %6s %8s  %-12s %-28s %s%n",
        runs,
        totalMillis,
        "ms/run",
        "share",
        "GFLOP/s",
        "op",
        "shape",
        "step");
    for (Row r : top) {
      out.printf(
          Locale.ROOT,
          "  %8.3f %5.1f%% %8s  %-12s %-28s %s%n",
          r.millis(),
          share(r),
          r.flops() > 0 ? String.format(Locale.ROOT, "%.1f", r.gflopsPerSecond()) : "",
          r.opType(),
          r.shape(),
          r.name());
    }
    out.printf(Locale.ROOT, "  by operator type:%n");
    for (Row r : byType) {
      out.printf(
          Locale.ROOT,
          "  %8.3f %5.1f%% %8s  %-12s %d step(s)%n",
          r.millis(),
          share(r),
          r.flops() > 0 ? String.format(Locale.ROOT, "%.1f", r.gflopsPerSecond()) : "",
          r.opType(),
          r.steps());
    }
  }

  void toJson(ObjectNode o) {
    o.put("runs", runs);
    o.put("steps_ms_per_run", round(totalMillis));
    fill(o.putArray("slowest_steps"), top, true);
    fill(o.putArray("by_op_type"), byType, false);
  }

  private void fill(ArrayNode array, List<Row> rows, boolean steps) {
    for (Row r : rows) {
      ObjectNode o = array.addObject();
      if (steps) {
        o.put("step", r.name());
        o.put("shape", r.shape());
      } else {
        o.put("steps", r.steps());
      }
      o.put("op_type", r.opType());
      o.put("ms_per_run", round(r.millis()));
      o.put("share_percent", round(share(r)));
      o.put("gflops_per_second", round(r.gflopsPerSecond()));
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
