package io.framegate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.framegate.accelerator.error.CapacityExceededException;
import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.error.ShuttingDownException;
import io.framegate.gateway.repository.UnknownModelException;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class StatusMappingTest {
  private static void maps(Status.Code code, RuntimeException e) {
    Status s = StatusMapping.toStatus(e);
    assertEquals(code, s.getCode(), e.toString());
    assertEquals(e.getMessage(), s.getDescription());
    // Wrapped by a future, the same.
    assertEquals(code, StatusMapping.toStatus(new CompletionException(e)).getCode());
  }

  @Test
  void eachCauseHasItsCodeAndKeepsItsMessage() {
    maps(Status.Code.INVALID_ARGUMENT, new InvalidInputException("bad frame"));
    maps(Status.Code.NOT_FOUND, new UnknownModelException("no model 'x'"));
    maps(Status.Code.FAILED_PRECONDITION, new InvalidModelException("node 3 is broken"));
    maps(Status.Code.RESOURCE_EXHAUSTED, new CapacityExceededException("queue full"));
    maps(Status.Code.UNAVAILABLE, new ShuttingDownException("closing"));
    maps(Status.Code.INTERNAL, new DeviceFailureException("GPU lost", new RuntimeException()));
  }

  @Test
  void bugsAreInternalAndNameTheirKind() {
    Status s = StatusMapping.toStatus(new IllegalStateException("oops"));
    assertEquals(Status.Code.INTERNAL, s.getCode());
    assertEquals("IllegalStateException: oops", s.getDescription());
    assertEquals(
        "RESOURCE_EXHAUSTED: queue full",
        StatusMapping.describe(new CapacityExceededException("queue full")));
  }
}
