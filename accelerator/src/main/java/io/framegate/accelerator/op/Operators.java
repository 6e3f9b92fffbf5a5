package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The operators the engine implements, by ONNX op type. */
public final class Operators {
  private static final Map<String, Operator> ONNX = new LinkedHashMap<>();
  private static final Map<String, Operator> INTERNAL = new LinkedHashMap<>();

  static {
    register(new ConvOp(false));
    for (PoolOp.Kind k : PoolOp.Kind.values()) {
      register(new PoolOp(k));
    }
    for (ActivationOp.Spec s : ActivationOp.SPECS) {
      register(new ActivationOp(s));
    }
    BinaryOp.all().forEach(Operators::register);
    register(new BatchNormOp());
    register(new GemmOp(false));
    register(new GemmOp(true));
    for (SoftmaxOp.Kind k : SoftmaxOp.Kind.values()) {
      register(new SoftmaxOp(k));
    }
    for (ViewOp.Kind k : ViewOp.Kind.values()) {
      register(new ViewOp(k));
    }
    for (StridedOp.Kind k : StridedOp.Kind.values()) {
      register(new StridedOp(k));
    }
    register(new GatherOp());
    register(new ConcatOp());
    register(new PadOp());
    for (ConstantOp.Kind k : ConstantOp.Kind.values()) {
      register(new ConstantOp(k));
    }
    Operator fused = new ConvOp(true);
    INTERNAL.put(fused.schema().opType(), fused);
  }

  private Operators() {}

  private static void register(Operator op) {
    ONNX.put(op.schema().opType(), op);
  }

  /** ONNX op types (default domain) that models may use. */
  public static Set<String> supported() {
    return ONNX.keySet();
  }

  /** Every supported ONNX operator, sorted by op type. */
  public static List<OpSchema> schemas() {
    List<OpSchema> out = new ArrayList<>();
    for (Operator op : ONNX.values()) {
      out.add(op.schema());
    }
    out.sort(Comparator.comparing(OpSchema::opType));
    return out;
  }

  /** The implementation for a node (ONNX op or one made by a graph pass). */
  public static Operator forNode(Node node) {
    Operator op =
        node.domain().equals(INTERNAL_DOMAIN)
            ? INTERNAL.get(node.opType())
            : ONNX.get(node.opType());
    if (op == null) {
      throw new io.framegate.accelerator.error.InvalidModelException(
          "unsupported operator " + node.opType() + " (node '" + node.name() + "')");
    }
    return op;
  }

  /** The domain of nodes made by framegate's own passes. */
  public static final String INTERNAL_DOMAIN = "io.framegate";

  /**
   * Activation kernel code and parameters of a node, or null when it is not a fusable activation.
   */
  public static float[] fusableActivation(Node node, NodeContext ctx) {
    if (!node.domain().isEmpty() || !(ONNX.get(node.opType()) instanceof ActivationOp act)) {
      return null;
    }
    float[] p = act.parameters(ctx);
    return new float[] {act.code(), p[0], p[1]};
  }
}
