package io.framegate.gateway.cli;

import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.error.InvalidModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The one place where failures become what a shell user sees: a single line {@code framegate:
 * <message>} on stderr and an exit code: 2 for usage errors (bad arguments, missing files), 1 for
 * everything found at run time (invalid model or input, device failure, I/O, bugs). The stack trace
 * is printed only with {@code --verbose}.
 */
final class CliErrors
    implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
  static final int USAGE = 2;
  static final int RUNTIME = 1;

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    String message = oneLine(ex.getMessage());
    // point at the help unless the message already says where to look
    String hint =
        message.contains("'framegate")
            ? ""
            : " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
    report(cmd, message + hint, ex, verbose(cmd.getParseResult(), args));
    return USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    String message =
        switch (ex) {
          case InvalidModelException e -> "invalid model: " + oneLine(e.getMessage());
          case InvalidInputException e -> "invalid input: " + oneLine(e.getMessage());
          case DeviceFailureException e -> "device failure: " + oneLine(e.getMessage());
          case IOException e -> oneLine(e.getMessage());
          case UncheckedIOException e -> oneLine(e.getCause().getMessage());
          default ->
              "internal error: "
                  + ex.getClass().getSimpleName()
                  + (ex.getMessage() == null ? "" : ": " + oneLine(ex.getMessage()))
                  + (verbose(parseResult, null) ? "" : " (run with --verbose for details)");
        };
    report(cmd, message, ex, verbose(parseResult, null));
    return RUNTIME;
  }

  private static void report(CommandLine cmd, String message, Exception ex, boolean verbose) {
    PrintWriter err = cmd.getErr();
    err.println("framegate: " + message);
    if (verbose) {
      ex.printStackTrace(err);
    }
    err.flush();
  }

  /** True when --verbose was given at any level; falls back to the raw arguments. */
  private static boolean verbose(ParseResult result, String[] args) {
    for (ParseResult r = result; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    if (args != null) {
      for (String a : args) {
        if (a.equals("--verbose")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Messages may carry newlines (nested causes); the contract is one line. */
  private static String oneLine(String message) {
    return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
