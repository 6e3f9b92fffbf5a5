package io.framegate.gateway.server;

import io.framegate.accelerator.error.CapacityExceededException;
import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.error.ShuttingDownException;
import io.framegate.gateway.repository.UnknownModelException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where failures become gRPC statuses, for whole calls and for the per-frame errors
 * of video streams alike. The exception's message is kept as the status description.
 */
public final class StatusMapping {
  private StatusMapping() {}

  public static Status toStatus(Throwable error) {
    Throwable e = unwrap(error);
    Status status =
        switch (e) {
          case StatusRuntimeException s -> s.getStatus();
          case StatusException s -> s.getStatus();
          case InvalidInputException x -> Status.INVALID_ARGUMENT;
          case UnknownModelException x -> Status.NOT_FOUND;
          // The model exists but cannot serve: the caller cannot fix it by retrying.
          case InvalidModelException x -> Status.FAILED_PRECONDITION;
          case CapacityExceededException x -> Status.RESOURCE_EXHAUSTED;
          case ShuttingDownException x -> Status.UNAVAILABLE;
          case DeviceFailureException x -> Status.INTERNAL;
          case CancellationException x -> Status.CANCELLED;
          default -> Status.INTERNAL;
        };
    if (e instanceof StatusRuntimeException || e instanceof StatusException) {
      return status;
    }
    String message = e.getMessage();
    if (status.getCode() == Status.Code.INTERNAL && !(e instanceof DeviceFailureException)) {
      // A bug: say what kind, since its message alone may mean nothing to a client.
      message = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
    return status.withDescription(message).withCause(e);
  }

  public static StatusRuntimeException toException(Throwable error) {
    return toStatus(error).asRuntimeException();
  }

  /** "CODE: description", the form of a per-frame error in a stream's results. */
  public static String describe(Throwable error) {
    Status s = toStatus(error);
    return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
