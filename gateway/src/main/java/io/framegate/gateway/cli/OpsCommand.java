package io.framegate.gateway.cli;

import io.framegate.accelerator.op.Operators;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code framegate ops}: the operators the engine runs, with their attributes. */
@Command(
    name = "ops",
    mixinStandardHelpOptions = true,
    description = "Lists the supported ONNX operators with their attributes.")
public final class OpsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..*",
      paramLabel = "OP",
      description = "Show only these operators (e.g. Conv Relu).")
  List<String> only = new ArrayList<>();

  @Override
  public Integer call() {
    var schemas = Operators.schemas();
    var shown = new ArrayList<>(schemas);
    if (!only.isEmpty()) {
      shown.clear();
      for (String name : only) {
        var match = schemas.stream().filter(s -> s.opType().equalsIgnoreCase(name)).findFirst();
        if (match.isEmpty()) {
          throw new ParameterException(
              spec.commandLine(),
              "'" + name + "' is not a supported operator; run 'framegate ops' for the list");
        }
        shown.add(match.get());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    for (var s : shown) {
      out.println(
          s.opType()
              + "  (opset "
              + s.sinceOpset()
              + "+)"
              + (s.summary() == null || s.summary().isBlank() ? "" : "  " + s.summary()));
      int nameWidth = 0;
      int typeWidth = 0;
      for (var a : s.attributes()) {
        nameWidth = Math.max(nameWidth, a.name().length());
        typeWidth = Math.max(typeWidth, a.type().length());
      }
      for (var a : s.attributes()) {
        String dflt =
            a.defaultValue() == null || a.defaultValue().isEmpty()
                ? ""
                : "  (default " + a.defaultValue() + ")";
        out.printf(
            "    %-" + nameWidth + "s  %-" + typeWidth + "s  %s%s%n",
            a.name(),
            a.type(),
            a.meaning() == null ? "" : a.meaning(),
            dflt);
      }
    }
    if (only.isEmpty()) {
      out.println(schemas.size() + " operators");
    }
    out.flush();
    return 0;
  }
}
