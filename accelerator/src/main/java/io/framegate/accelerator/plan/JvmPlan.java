package io.framegate.accelerator.plan;

import io.framegate.accelerator.error.FramegateException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.FlopCounter;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Operator;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.op.Step;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph bound to JVM kernels: buffers are planned once by liveness, each node is compiled to a
 * step over fixed buffers by the backend's {@link StepCompiler}, and {@link #run} only copies
 * inputs in, runs the steps on the plan's worker pool and copies outputs out.
 */
public final class JvmPlan implements ExecutionPlan {

  /**
   * How a backend turns one node into a step; the reference backend uses {@link Operator#compile}.
   */
  @FunctionalInterface
  public interface StepCompiler {
    Step compile(
        Operator op, NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out);

    /**
     * Called once with the whole graph before its buffers are laid out and its nodes compiled, in
     * order.
     */
    default void prepare(Graph graph) {}

    /**
     * Floats the buffer of run-time value {@code value} must hold: its element count, unless the
     * backend stores it with padding (called after {@link #prepare}).
     */
    default int floats(Graph graph, String value) {
      return Shapes.size(graph.value(value).shape());
    }

    StepCompiler REFERENCE = Operator::compile;
  }

  private final Graph graph;
  private final float[][] buffers;
  private final int[] inputBuffer;
  private final int[] outputBuffer;
  private final Tensor[] constantOutputs;
  private final Step[] steps;
  private final String[] stepNames;
  private final Node[] stepNodes;
  private final WorkerPool pool;

  /** Nanoseconds spent in each step since profiling was switched on, or null when it is off. */
  private volatile long[] stepNanos;

  private long profiledRuns;

  public JvmPlan(Graph graph, int threads) {
    this(graph, threads, StepCompiler.REFERENCE, "framegate-ref");
  }

  public JvmPlan(Graph graph, int threads, StepCompiler compiler, String threadName) {
    this.graph = graph;
    for (ValueInfo in : graph.inputs()) {
      if (in.type() != DataType.FLOAT32) {
        throw new InvalidModelException(
            "unsupported INT64 run-time input '"
                + in.name()
                + "': bind it as a constant when loading");
      }
    }
    compiler.prepare(graph);
    ArenaPlanner.Assignment a = ArenaPlanner.plan(graph, v -> compiler.floats(graph, v));
    buffers = new float[a.bufferSizes().size()][];
    for (int i = 0; i < buffers.length; i++) {
      buffers[i] = new float[Math.max(1, a.bufferSizes().get(i))];
    }
    inputBuffer = new int[graph.inputs().size()];
    for (int i = 0; i < inputBuffer.length; i++) {
      inputBuffer[i] = a.bufferOf().get(graph.inputs().get(i).name());
    }
    outputBuffer = new int[graph.outputs().size()];
    constantOutputs = new Tensor[outputBuffer.length];
    for (int i = 0; i < outputBuffer.length; i++) {
      String name = graph.outputs().get(i).name();
      Tensor c = graph.constants().get(name);
      if (c != null) {
        constantOutputs[i] = c;
        outputBuffer[i] = -1;
      } else {
        outputBuffer[i] = a.bufferOf().get(name);
      }
    }
    List<Step> compiled = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    for (Node n : graph.nodes()) {
      Operator op = Operators.forNode(n);
      if (op.aliasesInput()) {
        continue;
      }
      List<ValueInfo> ins = new ArrayList<>();
      float[][] in = new float[n.inputs().size()][];
      for (int i = 0; i < in.length; i++) {
        String v = n.input(i);
        if (v.isEmpty()) {
          ins.add(null);
          continue;
        }
        ins.add(graph.value(v));
        Tensor c = graph.constants().get(v);
        if (c != null) {
          in[i] = c.type() == DataType.FLOAT32 ? c.floats() : c.toFloats();
        } else {
          in[i] = buffers[a.bufferOf().get(v)];
        }
      }
      List<ValueInfo> outs = new ArrayList<>();
      float[][] out = new float[n.outputs().size()][];
      for (int i = 0; i < out.length; i++) {
        String v = n.outputs().get(i);
        if (v.isEmpty()) {
          continue;
        }
        outs.add(graph.value(v));
        out[i] = buffers[a.bufferOf().get(v)];
      }
      NodeContext ctx = new NodeContext(n, graph.opset(), ins, graph.constants());
      compiled.add(compiler.compile(op, ctx, outs, in, out));
      names.add(n.describe());
      nodes.add(n);
    }
    steps = compiled.toArray(Step[]::new);
    stepNames = names.toArray(String[]::new);
    stepNodes = nodes.toArray(Node[]::new);
    pool = new WorkerPool(threads, threadName);
  }

  public Graph graph() {
    return graph;
  }

  /** Floats held by the plan's activation buffers (after liveness sharing). */
  public long arenaFloats() {
    long n = 0;
    for (float[] b : buffers) {
      n += b.length;
    }
    return n;
  }

  @Override
  public List<ValueInfo> inputs() {
    return graph.inputs();
  }

  @Override
  public List<ValueInfo> outputs() {
    return graph.outputs();
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    List<ValueInfo> declared = graph.inputs();
    ExecutionPlan.checkInputs(declared, inputs);
    for (int i = 0; i < declared.size(); i++) {
      float[] src = inputs.get(declared.get(i).name()).floats();
      System.arraycopy(src, 0, buffers[inputBuffer[i]], 0, src.length);
    }
    long[] nanos = stepNanos;
    for (int s = 0; s < steps.length; s++) {
      try {
        if (nanos == null) {
          steps[s].run(pool);
        } else {
          long t0 = System.nanoTime();
          steps[s].run(pool);
          nanos[s] += System.nanoTime() - t0;
        }
      } catch (FramegateException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IllegalStateException("step " + stepNames[s] + " failed: " + e, e);
      }
    }
    if (nanos != null) {
      profiledRuns++;
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (int i = 0; i < outputBuffer.length; i++) {
      ValueInfo v = graph.outputs().get(i);
      if (constantOutputs[i] != null) {
        Tensor c = constantOutputs[i];
        result.put(
            v.name(),
            c.type() == DataType.INT64
                ? Tensor.ofLongs(c.longs().clone(), c.shape())
                : Tensor.of(c.floats().clone(), c.shape()));
        continue;
      }
      int n = Shapes.size(v.shape());
      result.put(v.name(), Tensor.of(Arrays.copyOf(buffers[outputBuffer[i]], n), v.shape()));
    }
    return result;
  }

  /**
   * Starts timing every step from zero ({@code true}) or stops timing ({@code false}). Timing costs
   * two clock reads per step; call it between runs, never during one.
   */
  public void profile(boolean on) {
    stepNanos = on ? new long[steps.length] : null;
    profiledRuns = 0;
  }

  /** Time spent in one step of the plan over the profiled runs. */
  public record StepTime(String step, String opType, String shape, long flops, long nanos) {}

  /** Runs since {@link #profile(boolean) profiling} was switched on. */
  public long profiledRuns() {
    return profiledRuns;
  }

  /** Each step's time since profiling was switched on, in plan order (empty when it is off). */
  public List<StepTime> stepTimes() {
    long[] nanos = stepNanos;
    List<StepTime> times = new ArrayList<>();
    if (nanos == null) {
      return times;
    }
    for (int s = 0; s < steps.length; s++) {
      Node n = stepNodes[s];
      times.add(
          new StepTime(
              stepNames[s], n.opType(), shapeOf(n), FlopCounter.count(graph, n), nanos[s]));
    }
    return times;
  }

  /** The first output's shape, and a convolution's or product's weight shape after an arrow. */
  private String shapeOf(Node n) {
    StringBuilder b = new StringBuilder();
    String out = n.outputs().isEmpty() ? "" : n.outputs().get(0);
    if (!out.isEmpty()) {
      b.append(dims(graph.value(out).shape()));
    }
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      Tensor w = graph.constants().get(n.input(1));
      if (w != null) {
        b.append(" w ").append(dims(w.shape()));
      }
    }
    return b.toString();
  }

  private static String dims(int[] shape) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < shape.length; i++) {
      b.append(i == 0 ? "" : "x").append(shape[i]);
    }
    return b.toString();
  }

  @Override
  public void close() {
    pool.close();
  }
}
