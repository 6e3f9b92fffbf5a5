package io.framegate.gateway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code framegate} command line: {@code infer}, {@code ops}, {@code bench}, {@code convert}.
 */
@Command(
    name = "framegate",
    mixinStandardHelpOptions = true,
    versionProvider = FramegateCli.Version.class,
    modelTransformer = FramegateCli.ErrorHandling.class,
    description = "Runs ONNX models on the JVM and on accelerators.",
    subcommands = {
      InferCommand.class,
      OpsCommand.class,
      BenchCommand.class,
      DevicesCommand.class,
      VerifyCommand.class,
      ConvertCommand.class,
      CommandLine.HelpCommand.class
    })
public final class FramegateCli implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On errors, print the stack trace too.")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FramegateCli()).execute(args));
  }

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(), "missing command: infer, ops, bench or convert");
  }

  /**
   * Installs {@link CliErrors} on every {@code new CommandLine(new FramegateCli())}: picocli runs a
   * model transformer once the command line exists, so callers (main, tests, later tools) get the
   * same one-line errors and exit codes without configuring anything.
   */
  static final class ErrorHandling implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      CommandLine commandLine = spec.commandLine();
      if (commandLine != null) {
        CliErrors errors = new CliErrors();
        commandLine.setParameterExceptionHandler(errors);
        commandLine.setExecutionExceptionHandler(errors);
      }
      return spec;
    }
  }

  /** The project version (filtered into version.properties by the build) and the running JVM. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = FramegateCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "framegate " + p.getProperty("version", "(unknown version)"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
