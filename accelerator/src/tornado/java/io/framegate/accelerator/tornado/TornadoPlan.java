package io.framegate.accelerator.tornado;

import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.KernelCall;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Operator;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.op.Step;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoInternalError;

/**
 * A specialised graph as one TornadoVM task graph on one device: every kernel call of every node is
 * a task on the shared kernel; weights, geometry and intermediates go to the device once, the
 * inputs every run, and only the outputs come back. Views (Reshape, Flatten...) pass their source's
 * array, so they cost nothing on the device either. Compiled and run once when built, so JIT and
 * driver errors surface here, not on the first frame.
 */
final class TornadoPlan implements ExecutionPlan {
  private static final AtomicLong IDS = new AtomicLong();

  private final Graph graph;
  private final String deviceName;
  private final float[][] inputArrays;
  private final float[][] outputArrays;
  private final Tensor[] constantOutputs;
  private final TornadoExecutionPlan plan;
  private final int taskCount;
  private boolean closed;

  TornadoPlan(
      Graph graph, TornadoDevice device, String deviceName, Map<String, Integer> localSizes) {
    this.graph = graph;
    this.deviceName = deviceName;
    for (ValueInfo in : graph.inputs()) {
      if (in.type() != DataType.FLOAT32) {
        throw new InvalidModelException(
            "unsupported INT64 run-time input '"
                + in.name()
                + "': bind it as a constant when loading");
      }
    }
    // One array per stored value; a view shares the array of the value it views.
    Map<String, float[]> arrays = new LinkedHashMap<>();
    for (ValueInfo in : graph.inputs()) {
      arrays.put(in.name(), new float[Math.max(1, Shapes.size(in.shape()))]);
    }
    String graphName = "fg" + IDS.incrementAndGet();
    TaskGraph tg = new TaskGraph(graphName);
    List<KernelCall> calls = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Node n : graph.nodes()) {
      Operator op = Operators.forNode(n);
      if (op.aliasesInput()) {
        float[] source = arrays.get(n.input(0));
        if (source == null) {
          source = constantArray(n.input(0));
        }
        arrays.put(n.outputs().get(0), source);
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
        float[] a = arrays.get(v);
        in[i] = a != null ? a : constantArray(v);
      }
      List<ValueInfo> outs = new ArrayList<>();
      float[][] out = new float[n.outputs().size()][];
      for (int i = 0; i < out.length; i++) {
        String v = n.outputs().get(i);
        if (v.isEmpty()) {
          continue;
        }
        ValueInfo info = graph.value(v);
        outs.add(info);
        out[i] = new float[Math.max(1, Shapes.size(info.shape()))];
        arrays.put(v, out[i]);
      }
      NodeContext ctx = new NodeContext(n, graph.opset(), ins, graph.constants());
      Step step = op.compile(ctx, outs, in, out);
      for (KernelCall call : record(step, n)) {
        String id =
            "t" + calls.size() + "_" + call.kernel().name().toLowerCase(java.util.Locale.ROOT);
        calls.add(call);
        ids.add(id);
      }
    }
    inputArrays = new float[graph.inputs().size()][];
    Set<Object> perRun = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < inputArrays.length; i++) {
      inputArrays[i] = arrays.get(graph.inputs().get(i).name());
      perRun.add(inputArrays[i]);
    }
    outputArrays = new float[graph.outputs().size()][];
    constantOutputs = new Tensor[outputArrays.length];
    List<Object> toHost = new ArrayList<>();
    Set<Object> back = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < outputArrays.length; i++) {
      String name = graph.outputs().get(i).name();
      Tensor c = graph.constants().get(name);
      if (c != null) {
        constantOutputs[i] = c;
        continue;
      }
      outputArrays[i] = arrays.get(name);
      if (!perRun.contains(outputArrays[i]) && back.add(outputArrays[i])) {
        toHost.add(outputArrays[i]);
      }
    }
    // Everything else a task reads or writes (weights, geometry, intermediates) is sent once.
    List<Object> once = new ArrayList<>();
    Set<Object> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    seen.addAll(perRun);
    for (KernelCall call : calls) {
      for (Object arg : call.args()) {
        if ((arg instanceof float[] || arg instanceof int[]) && seen.add(arg)) {
          once.add(arg);
        }
      }
    }
    taskCount = calls.size();

    GridScheduler grid = null;
    for (int t = 0; t < calls.size(); t++) {
      Integer local = localSizes.get(KernelTasks.family(calls.get(t).kernel()));
      if (local == null) {
        continue;
      }
      int total = calls.get(t).total();
      // OpenCL 1.2 needs the global size to be a multiple of the local one; the kernel's own
      // loop bound skips the padding work-items.
      WorkerGrid1D w = new WorkerGrid1D(roundUp(total, local));
      w.setLocalWork(local, 1, 1);
      if (grid == null) {
        grid = new GridScheduler();
      }
      grid.addWorkerGrid(graphName + "." + ids.get(t), w);
    }

    if (calls.isEmpty()) {
      // Only views and constants (a Reshape, a Shape): the outputs are the input arrays or
      // constants themselves, and there is nothing for the device to do.
      plan = null;
      return;
    }
    TornadoExecutionPlan p = null;
    try {
      // TornadoVM builds each task's sketch (and may bail out) as the task is added.
      if (!perRun.isEmpty()) {
        tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, perRun.toArray());
      }
      if (!once.isEmpty()) {
        tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
      }
      for (int t = 0; t < calls.size(); t++) {
        KernelTasks.add(tg, ids.get(t), calls.get(t));
      }
      if (!toHost.isEmpty()) {
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, toHost.toArray());
      }
      ImmutableTaskGraph itg = tg.snapshot();
      p = new TornadoExecutionPlan(itg);
      p.withDevice(device);
      if (grid != null) {
        p.withGridScheduler(grid);
      }
      p.withPreCompilation();
      // One run at build time: the driver finishes compiling and weights reach the device.
      p.execute();
    } catch (RuntimeException | TornadoInternalError e) {
      closeQuietly(p);
      String hint = "";
      if (String.valueOf(e.getMessage()).contains("maxbytecodesize")) {
        // TornadoVM sizes its per-graph bytecode buffer from a JVM flag read once at start-up.
        hint =
            " (the graph has "
                + calls.size()
                + " tasks over "
                + (perRun.size() + once.size())
                + " arrays; start the JVM with a larger -Dtornado.tvm.maxbytecodesize, now "
                + System.getProperty("tornado.tvm.maxbytecodesize", "4096")
                + ")";
      }
      throw new DeviceFailureException(
          "TornadoVM could not compile the plan for " + deviceName + ": " + e + hint, e);
    }
    plan = p;
  }

  private float[] constantArray(String name) {
    Tensor c = graph.constants().get(name);
    if (c == null) {
      throw new InvalidModelException("value '" + name + "' has no producer");
    }
    return c.type() == DataType.FLOAT32 ? c.floats() : c.toFloats();
  }

  /** The kernel calls a node's step makes, captured instead of run. */
  private static List<KernelCall> record(Step step, Node node) {
    List<KernelCall> calls = new ArrayList<>();
    Loops recorder =
        new Loops() {
          @Override
          public void forRange(int total, Range body) {
            throw new InvalidModelException(
                "unsupported on a device: "
                    + node.describe()
                    + " reads kernel parameters at run time (bind them as constants)");
          }

          @Override
          public void launch(KernelCall call) {
            calls.add(call);
          }
        };
    step.run(recorder);
    return calls;
  }

  private static int roundUp(int n, int m) {
    return (n + m - 1) / m * m;
  }

  /** Kernel launches per run. */
  int taskCount() {
    return taskCount;
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
    if (closed) {
      throw new IllegalStateException("the plan is closed");
    }
    List<ValueInfo> declared = graph.inputs();
    ExecutionPlan.checkInputs(declared, inputs);
    for (int i = 0; i < declared.size(); i++) {
      float[] src = inputs.get(declared.get(i).name()).floats();
      System.arraycopy(src, 0, inputArrays[i], 0, src.length);
    }
    if (plan != null) {
      try {
        plan.execute();
      } catch (RuntimeException | TornadoInternalError e) {
        throw new DeviceFailureException("TornadoVM failed on " + deviceName + ": " + e, e);
      }
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (int i = 0; i < outputArrays.length; i++) {
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
      result.put(v.name(), Tensor.of(Arrays.copyOf(outputArrays[i], n), v.shape()));
    }
    return result;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(plan);
  }

  private static void closeQuietly(TornadoExecutionPlan p) {
    if (p == null) {
      return;
    }
    try {
      p.freeDeviceMemory();
      p.close();
    } catch (Exception | TornadoInternalError e) {
      // Nothing useful to do: the device memory goes with the context when the JVM exits.
    }
  }
}
