package io.framegate.accelerator.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rules that let TornadoVM compile the shared kernels, checked on the JVM so that CI catches a
 * kernel that would only fail on a device: only arrays and scalars of float and int, the range as
 * the last two parameters, and no parameter named like an OpenCL C built-in (TornadoVM keeps Java
 * parameter names, so a parameter {@code log} hides the function log()).
 */
class KernelConventionsTest {
  private static final List<Class<?>> KERNELS =
      List.of(
          ConvKernels.class,
          PoolKernels.class,
          ElementwiseKernels.class,
          GemmKernels.class,
          SoftmaxKernels.class,
          LayoutKernels.class);

  private static final Set<Class<?>> ALLOWED =
      Set.of(float[].class, int[].class, int.class, float.class);

  /** OpenCL C built-in functions and keywords a Java parameter name could plausibly take. */
  private static final Set<String> OPENCL_NAMES =
      Set.of(
          "log",
          "log2",
          "log10",
          "exp",
          "exp2",
          "pow",
          "sqrt",
          "rsqrt",
          "min",
          "max",
          "fmin",
          "fmax",
          "clamp",
          "sign",
          "step",
          "mix",
          "abs",
          "fabs",
          "floor",
          "ceil",
          "round",
          "dot",
          "cross",
          "length",
          "distance",
          "normalize",
          "select",
          "any",
          "all",
          "sin",
          "cos",
          "tan",
          "tanh",
          "erf",
          "mad",
          "fma",
          "degrees",
          "radians",
          "kernel",
          "global",
          "local",
          "constant",
          "private",
          "half",
          "uchar",
          "uint",
          "ulong",
          "image",
          "sampler",
          "event");

  private static List<Method> kernels() {
    List<Method> out = new ArrayList<>();
    for (Class<?> c : KERNELS) {
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers())
            && Modifier.isStatic(m.getModifiers())
            && m.getReturnType() == void.class) {
          out.add(m);
        }
      }
    }
    return out;
  }

  @Test
  void kernelsTakeOnlyArraysAndScalarsAndEndWithTheirRange() {
    List<Method> kernels = kernels();
    assertTrue(kernels.size() >= 16, "found " + kernels.size() + " kernels");
    for (Method m : kernels) {
      Parameter[] p = m.getParameters();
      assertTrue(p[0].isNamePresent(), "compile with -parameters: TornadoVM reads the names");
      for (Parameter q : p) {
        assertTrue(ALLOWED.contains(q.getType()), m.getName() + "(" + q + ")");
      }
      assertEquals("lo", p[p.length - 2].getName(), m.getName());
      assertEquals("hi", p[p.length - 1].getName(), m.getName());
    }
  }

  @Test
  void noParameterShadowsAnOpenClBuiltIn() {
    for (Method m : kernels()) {
      for (Parameter q : m.getParameters()) {
        assertFalse(
            OPENCL_NAMES.contains(q.getName()),
            m.getDeclaringClass().getSimpleName()
                + "."
                + m.getName()
                + " has a parameter named '"
                + q.getName()
                + "', which hides OpenCL's built-in of that name in the generated kernel");
      }
    }
  }
}
