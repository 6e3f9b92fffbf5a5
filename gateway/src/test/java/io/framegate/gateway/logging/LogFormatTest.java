package io.framegate.gateway.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The shipped logback.xml, loaded into a private context, in both of its formats. */
class LogFormatTest {

  /**
   * Configures a fresh context from the main config with {@code format} as the system property,
   * points the chosen console appender at a buffer, logs, and returns what was written.
   */
  private static String logWith(String format) throws Exception {
    URL config = LogFormatTest.class.getResource("/logback.xml");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String savedFormat = System.getProperty("framegate.log.format");
    LoggerContext ctx = new LoggerContext();
    ctx.setMDCAdapter(new LogbackMDCAdapter());
    try {
      if (format == null) {
        System.clearProperty("framegate.log.format");
      } else {
        System.setProperty("framegate.log.format", format);
      }
      JoranConfigurator joran = new JoranConfigurator();
      joran.setContext(ctx);
      joran.doConfigure(config);
      List<String> attached = new ArrayList<>();
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
          .iteratorForAppenders()
          .forEachRemaining(
              a -> {
                attached.add(a.getName());
                ((OutputStreamAppender<ILoggingEvent>) a).setOutputStream(out);
              });
      assertEquals(List.of(format == null ? "text" : format), attached);
      Logger log = ctx.getLogger("io.framegate.gateway.server.GatewayServer");
      log.info("event=server_started port={} models={}", 8001, "[a, \"b\"]");
      log.debug("event=not_shown");
      ctx.getLogger("io.grpc.netty").info("event=quiet_library");
    } finally {
      ctx.stop();
      if (savedFormat == null) {
        System.clearProperty("framegate.log.format");
      } else {
        System.setProperty("framegate.log.format", savedFormat);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void textIsOneKeyValueLinePerEvent() throws Exception {
    String out = logWith(null);
    String[] lines = out.strip().split("\n");
    assertEquals(1, lines.length, out);
    assertTrue(
        lines[0].matches(
            "ts=\\S+ level=INFO logger=GatewayServer thread=\\S+ "
                + "event=server_started port=8001 models=\\[a, \"b\"]"),
        lines[0]);
  }

  @Test
  void jsonIsOneParsableObjectPerEvent() throws Exception {
    String out = logWith("json");
    String[] lines = out.strip().split("\n");
    assertEquals(1, lines.length, out);
    JsonNode event = new ObjectMapper().readTree(lines[0]);
    assertEquals("INFO", event.get("level").asText());
    assertEquals("io.framegate.gateway.server.GatewayServer", event.get("loggerName").asText());
    assertEquals(
        "event=server_started port=8001 models=[a, \"b\"]", event.get("formattedMessage").asText());
    assertTrue(event.get("timestamp").asLong() > 0);
  }
}
