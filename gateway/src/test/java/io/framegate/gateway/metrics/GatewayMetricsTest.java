package io.framegate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  @Test
  void pipelineEventsBecomeMetersAndTotals() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayMetrics m = new GatewayMetrics(registry);
    m.queueDepth("cls", 3);
    m.batch("cls", "jvm-reference", 3, 4, 2_000_000);
    for (int i = 0; i < 3; i++) {
      m.frame("cls", "jvm-reference", 1_000_000, 5_000_000, true);
    }
    m.frame("cls", null, 0, 10_000, false);
    m.rejected("cls");
    m.dropped("cls", 2);
    m.fallback("cls", "gpu0", new RuntimeException("lost"));
    m.shadowCheck("cls", "gpu0", 2e-7, true);
    m.shadowCheck("cls", "gpu0", 0.5, false);
    m.shadowCheck("cls", "gpu0", 3e-7, true);

    assertEquals(
        3, registry.get("framegate.request").tags("model", "cls", "outcome", "ok").timer().count());
    assertEquals(
        1,
        registry.get("framegate.request").tags("device", GatewayMetrics.NO_DEVICE).timer().count());
    assertEquals(3.0, registry.get("framegate.queue.depth").gauge().value());
    assertEquals(3.0, registry.get("framegate.batch.frames").summary().totalAmount());
    assertEquals(2.0, registry.get("framegate.frames.dropped").counter().count());
    assertEquals(1.0, registry.get("framegate.fallbacks").tags("device", "gpu0").counter().count());
    assertEquals(
        2.0, registry.get("framegate.shadow.checks").tags("outcome", "ok").counter().count());
    assertEquals(
        1.0, registry.get("framegate.shadow.checks").tags("outcome", "mismatch").counter().count());
    assertEquals(
        3e-7,
        registry.get("framegate.shadow.relative.error").tags("device", "gpu0").gauge().value());

    GatewayMetrics.ModelTotals t = m.totals("cls");
    assertEquals(3, t.successCount.sum());
    assertEquals(15_000_000, t.successNanos.sum());
    assertEquals(1, t.failCount.sum());
    assertEquals(1, t.executions.sum());
    assertEquals(6_000_000, t.computeNanos.sum());
    assertEquals(1, t.batchesBySize().get(4)[0]);

    try (MetricsEndpoint endpoint =
        MetricsEndpoint.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry)) {
      HttpResponse<String> r;
      try (HttpClient http = HttpClient.newHttpClient()) {
        r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      }
      assertEquals(200, r.statusCode());
      String body = r.body();
      assertTrue(
          body.contains("framegate_frames_rejected_total{device=\"none\",model=\"cls\"} 1"), body);
      assertTrue(body.contains("framegate_queue_depth{model=\"cls\"} 3"), body);
      assertTrue(body.contains("framegate_request_seconds_count{"), body);
    }
  }
}
