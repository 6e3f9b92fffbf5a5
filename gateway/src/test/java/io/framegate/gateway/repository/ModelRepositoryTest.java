package io.framegate.gateway.repository;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.gateway.config.ConfigException;
import io.framegate.pipeline.FrameRequest;
import io.framegate.pipeline.FrameResult;
import io.framegate.pipeline.PipelineMetrics;
import io.framegate.pipeline.ingest.ChannelOrder;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
  @TempDir Path dir;

  private Path model(String name, String config) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(name));
    OnnxModelBuilder b = new OnnxModelBuilder(name, 13, 5);
    String x = b.input("pixels", 1, 5, 3);
    Files.write(folder.resolve("model.onnx"), b.output(b.gemm(b.flatten(x), 3), "out").toBytes());
    Files.writeString(folder.resolve("config.yaml"), config);
    return folder;
  }

  private ConfigException fails(String config) throws Exception {
    model("m", config);
    return assertThrows(
        ConfigException.class, () -> ModelRepository.load(dir, null, PipelineMetrics.NONE));
  }

  @Test
  void loadsEachFolderWithItsSettingsAndLabels() throws Exception {
    Path folder =
        model(
            "gray",
            """
            mean: [0.5]
            std: [0.25]
            channel_order: bgr
            labels: labels.txt
            max_batch: 3
            max_delay_ms: 2
            queue_capacity: 9
            profiles:
              edge: {max_batch: 2}
            """);
    Files.writeString(folder.resolve("labels.txt"), "cat\ndog\nbird\n\n");
    model("plain", "");
    try (ModelRepository repo = ModelRepository.load(dir, null, PipelineMetrics.NONE)) {
      assertEquals(List.of("gray", "plain"), repo.names());
      ServedModel g = repo.get("gray");
      assertEquals(List.of("cat", "dog", "bird"), g.labels());
      assertEquals("pixels", g.pipeline().inputSpec().inputName());
      assertEquals(ChannelOrder.BGR, g.pipeline().inputSpec().channelOrder());
      assertArrayEquals(new float[] {0.5f}, g.pipeline().inputSpec().mean());
      assertEquals(3, g.pipeline().policy().maxBatch());
      assertEquals(9, g.pipeline().policy().queueCapacity());
      assertArrayEquals(new int[] {1, 2, 3}, g.pipeline().planBatchSizes());
      // Defaults: batch 8, capacity 8 per batch slot, no normalisation.
      ServedModel p = repo.get("plain");
      assertEquals(8, p.pipeline().policy().maxBatch());
      assertEquals(64, p.pipeline().policy().queueCapacity());
      assertArrayEquals(new float[] {1f}, p.pipeline().inputSpec().std());

      // The loaded pipeline serves: gray pixel 255 everywhere normalises to (1 − 0.5)/0.25 = 2.
      byte[] px = new byte[15];
      java.util.Arrays.fill(px, (byte) 255);
      FrameResult r =
          g.pipeline()
              .submit(FrameRequest.of("", 0, EncodedImage.of(Encoding.GRAY8, 3, 5, px)))
              .get(30, TimeUnit.SECONDS);
      assertEquals(3, r.outputs().get("out").size());

      UnknownModelException e = assertThrows(UnknownModelException.class, () -> repo.get("nope"));
      assertTrue(e.getMessage().contains("gray, plain"), e.getMessage());
    }
  }

  @Test
  void aProfileOverridesTheBatching() throws Exception {
    model("m", "max_batch: 4\nprofiles:\n  edge:\n    max_batch: 2\n    queue_capacity: 5\n");
    try (ModelRepository repo = ModelRepository.load(dir, "edge", PipelineMetrics.NONE)) {
      assertEquals(2, repo.get("m").pipeline().policy().maxBatch());
      assertEquals(5, repo.get("m").pipeline().policy().queueCapacity());
    }
    try (ModelRepository repo = ModelRepository.load(dir, "other", PipelineMetrics.NONE)) {
      assertEquals(4, repo.get("m").pipeline().policy().maxBatch());
    }
  }

  @Test
  void servedBatchesAreShadowCheckedOnTheReferenceWhenAsked() throws Exception {
    model("m", "backend: jvm-vector\nmax_batch: 1\nshadow_every: 1\n");
    List<Double> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    PipelineMetrics metrics =
        new PipelineMetrics() {
          @Override
          public void shadowCheck(String model, String device, double error, boolean ok) {
            assertEquals("jvm-vector", device);
            assertTrue(ok, "jvm-vector disagrees with the reference by " + error);
            errors.add(error);
          }
        };
    try (ModelRepository repo = ModelRepository.load(dir, null, metrics)) {
      java.util.Random r = new java.util.Random(5);
      for (int i = 0; i < 4; i++) {
        byte[] px = new byte[15];
        r.nextBytes(px);
        assertTrue(
            repo.get("m")
                .pipeline()
                .submit(FrameRequest.of("", i, EncodedImage.of(Encoding.GRAY8, 3, 5, px)))
                .get(30, TimeUnit.SECONDS)
                .ok());
      }
      var d = repo.get("m").pipeline().dispatchers().get(0);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (d.shadowChecks() + d.shadowSkipped() < 4 + 1 && System.nanoTime() < deadline) {
        Thread.sleep(5); // the warm-up batch was sampled too
      }
      assertTrue(d.shadowChecks() >= 1, "no shadow check ran");
      assertEquals(d.shadowChecks(), errors.size());
      assertTrue(repo.get("m").pipeline().devicesHealthy());
    }
  }

  @Test
  void shadowSamplingDefaultsToOnDevicesAndOffOnTheJvm() throws Exception {
    model("m", "profiles:\n  dev: {shadow_every: 7}\n");
    ModelConfig c = ModelConfig.read(dir.resolve("m/config.yaml"));
    assertEquals("jvm-vector", c.serving(null).backend());
    assertEquals(0, c.serving(null).shadowEvery(true));
    assertEquals(ModelConfig.Serving.DEFAULT_SHADOW_EVERY, c.serving(null).shadowEvery(false));
    assertEquals(7, c.serving("dev").shadowEvery(false));
    assertEquals(7, c.serving("dev").shadowEvery(true));
    mentions(fails("shadow_every: -3\n"), "config.yaml", "'shadow_every'", "between 0 and");
  }

  @Test
  void hiddenFoldersAreNotModels() throws Exception {
    model("m", "max_batch: 2\n");
    java.nio.file.Files.createDirectories(dir.resolve(".samples"));
    java.nio.file.Files.createDirectories(dir.resolve(".m.new"));
    try (ModelRepository repo = ModelRepository.load(dir, null, PipelineMetrics.NONE)) {
      assertEquals(2, repo.get("m").pipeline().policy().maxBatch());
      assertThrows(UnknownModelException.class, () -> repo.get(".samples"));
    }
  }

  private static void mentions(ConfigException e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
    }
  }

  @Test
  void errorsNameTheFileAndTheField() throws Exception {
    mentions(fails("max_batch: 0\n"), "m/config.yaml", "'max_batch'", "between 1 and");
    mentions(fails("max_batch: many\n"), "config.yaml", "'max_batch'", "whole number");
    mentions(fails("max_bach: 4\n"), "config.yaml", "unknown field 'max_bach'");
    mentions(fails("channel_order: RBG\n"), "config.yaml", "'channel_order'", "RGB or BGR");
    mentions(fails("mean: [0.1, 0.2, 0.3]\n"), "config.yaml", "'mean'", "1 channels");
    mentions(fails("std: [0]\n"), "config.yaml", "'std'", "positive");
    mentions(fails("labels: missing.txt\n"), "config.yaml", "'labels'", "does not exist");
    mentions(
        fails("backend: warp-drive\n"), "config.yaml", "'backend'", "warp-drive", "jvm-reference");
    mentions(fails("input: nope\n"), "config.yaml", "'input'", "pixels");
    mentions(fails("max_batch: 8\nqueue_capacity: 4\n"), "'queue_capacity'", "at least max_batch");
    mentions(fails("profiles:\n  edge: {max_batch: -1}\n"), "'profiles.edge.max_batch'");
    mentions(fails("mean: [0.1\n"), "config.yaml", "not valid YAML");
  }

  @Test
  void aFolderWithoutAModelOrARepositoryWithoutFoldersIsRefused() throws Exception {
    ConfigException empty =
        assertThrows(
            ConfigException.class, () -> ModelRepository.load(dir, null, PipelineMetrics.NONE));
    mentions(empty, "no model folders");
    Files.createDirectories(dir.resolve("x"));
    mentions(
        assertThrows(
            ConfigException.class, () -> ModelRepository.load(dir, null, PipelineMetrics.NONE)),
        "x/model.onnx");
  }
}
