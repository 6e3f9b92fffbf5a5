package io.framegate.accelerator.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a kernel loop whose iterations are independent. The JVM reference backend splits the
 * outermost such loop over its worker threads; the TornadoVM launcher passes {@code
 * -Dtornado.load.annotation.parallel=io.framegate.accelerator.kernel.Parallel} so that TornadoVM
 * maps it to a device dimension, exactly as it does with its own annotation.
 *
 * <p>TornadoVM parallelises only loops whose start and step are constants, so a kernel's range [lo,
 * hi) is written {@code for (@Parallel int item = 0; item < hi - lo; item++)} with the index {@code
 * lo + item}: the JVM runs sub-ranges, a device runs the whole range with lo = 0.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE_USE, ElementType.LOCAL_VARIABLE})
public @interface Parallel {}
