package io.framegate.gateway.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * The outbound half of a bidi call whose responses must leave in request order while requests
 * finish in any order, with flow control both ways:
 *
 * <ul>
 *   <li>outbound: responses are written only while the transport {@code isReady()}; the rest wait
 *       here and the onReady handler resumes writing;
 *   <li>inbound: requests are pulled by hand, {@code window} at first and one more each time a
 *       response leaves (or a request turns out to need none), so at most {@code window} requests
 *       are in flight or waiting to be written, however slow the device or the client.
 * </ul>
 *
 * Thread-safe: slots are resolved on pipeline threads, the onReady handler runs on gRPC's.
 */
final class OrderedResponder<T> {
  private final ServerCallStreamObserver<T> out;
  private final ArrayDeque<Slot<T>> order = new ArrayDeque<>();
  private boolean closed;
  private Status ending;

  /** A place in the response order for one request. */
  static final class Slot<T> {
    private final OrderedResponder<T> owner;
    private T value;
    private boolean resolved;

    private Slot(OrderedResponder<T> owner) {
      this.owner = owner;
    }

    /** The response to write at this place. */
    void complete(T response) {
      owner.resolve(this, response);
    }

    /** This request gets no response (a frame dropped by latest-wins). */
    void skip() {
      owner.resolve(this, null);
    }
  }

  /** Installs the handlers and asks for the first {@code window} requests. */
  OrderedResponder(ServerCallStreamObserver<T> out, int window) {
    this.out = out;
    out.disableAutoRequest();
    out.setOnReadyHandler(this::drain);
    out.request(window);
  }

  /** Reserves the next place in the response order; call in request order. */
  synchronized Slot<T> next() {
    Slot<T> s = new Slot<>(this);
    if (!closed) {
      order.add(s);
    }
    return s;
  }

  private void resolve(Slot<T> slot, T value) {
    synchronized (this) {
      if (slot.resolved) {
        return;
      }
      slot.value = value;
      slot.resolved = true;
    }
    drain();
  }

  /**
   * Ends the call with {@code status} (OK: completes it) once every reserved response has been
   * written.
   */
  void endWhenFlushed(Status status) {
    synchronized (this) {
      if (ending == null) {
        ending = status;
      }
    }
    drain();
  }

  /** The call is gone (cancelled by the client): nothing more is written. */
  synchronized void abandon() {
    closed = true;
    order.clear();
  }

  synchronized boolean closed() {
    return closed;
  }

  /** Responses reserved and not yet written. */
  synchronized int pending() {
    return order.size();
  }

  private synchronized void drain() {
    // Under the lock: a call's messages must not be written concurrently.
    if (closed) {
      return;
    }
    int leftHead = 0;
    while (!order.isEmpty() && order.peek().resolved) {
      Slot<T> head = order.peek();
      if (head.value != null) {
        if (!out.isReady()) {
          break;
        }
        out.onNext(head.value);
      }
      order.poll();
      leftHead++;
    }
    if (leftHead > 0) {
      out.request(leftHead);
    }
    if (ending != null && order.isEmpty()) {
      closed = true;
      if (ending.isOk()) {
        out.onCompleted();
      } else {
        out.onError(ending.asRuntimeException());
      }
    }
  }
}
