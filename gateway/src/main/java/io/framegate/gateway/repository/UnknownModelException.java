package io.framegate.gateway.repository;

/** A request named a model the gateway does not serve. */
public final class UnknownModelException extends RuntimeException {
  public UnknownModelException(String message) {
    super(message);
  }
}
