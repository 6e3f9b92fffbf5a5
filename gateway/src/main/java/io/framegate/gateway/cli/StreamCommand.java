package io.framegate.gateway.cli;

import io.framegate.gateway.client.FrameSource;
import io.framegate.gateway.client.FramegateClient;
import io.framegate.proto.inference.ModelMetadataResponse;
import io.framegate.proto.video.Class;
import io.framegate.proto.video.Frame;
import io.framegate.proto.video.FrameResult;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code framegate stream}: sends frames to a gateway's video service and reports what came back.
 */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description = {
      "Streams frames to a running gateway (framegate serve) and prints the top classes of every"
          + " Nth result, then a summary: frames/s, round-trip latency p50/p95/p99, errors and"
          + " frames dropped by latest-wins.",
      "Frames: a video decoded with ffmpeg, the JPEG/PNG files of a directory, or random pixels."
    })
public final class StreamCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--target",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The gateway.")
  String target;

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "The model.")
  String model;

  static final class Source {
    @Option(names = "--video", paramLabel = "FILE", description = "A video file (needs ffmpeg).")
    Path video;

    @Option(names = "--images", paramLabel = "DIR", description = "A directory of JPEG/PNG files.")
    Path images;

    @Option(names = "--synthetic", description = "Random frames of the model's input size.")
    boolean synthetic;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(
      names = "--streams",
      defaultValue = "1",
      paramLabel = "N",
      description = "Concurrent streams (default ${DEFAULT-VALUE}).")
  int streams;

  @Option(
      names = "--fps",
      defaultValue = "0",
      paramLabel = "F",
      description = "Frames per second per stream; 0: as fast as the server takes them (default).")
  double fps;

  @Option(
      names = "--frames",
      defaultValue = "100",
      paramLabel = "K",
      description = "Frames per stream (default ${DEFAULT-VALUE}; a video may end sooner).")
  int frames;

  @Option(
      names = "--in-flight",
      defaultValue = "8",
      paramLabel = "N",
      description =
          "Frames per stream sent and not yet answered, at most (default ${DEFAULT-VALUE}); more"
              + " only fill the server's queue.")
  int inFlight;

  @Option(
      names = "--latest-wins",
      description = "Let the server drop older frames of a stream that is behind.")
  boolean latestWins;

  @Option(
      names = "--top",
      defaultValue = "5",
      paramLabel = "K",
      description = "Classes per result (default ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--print-every",
      defaultValue = "25",
      paramLabel = "N",
      description = "Print every Nth result of each stream; 0: none (default ${DEFAULT-VALUE}).")
  int printEvery;

  @Override
  public Integer call() throws Exception {
    if (streams < 1 || frames < 1 || top < 1 || inFlight < 1 || fps < 0 || printEvery < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--streams, --frames, --top and --in-flight must be at least 1, --fps and --print-every"
              + " not negative");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (FramegateClient client = FramegateClient.connect(target)) {
      ModelMetadataResponse md = client.metadata(model);
      List<Long> shape = md.getInputs(0).getShapeList();
      int height = shape.get(2).intValue();
      int width = shape.get(3).intValue();
      List<Long> latencies = new ArrayList<>();
      AtomicLong errors = new AtomicLong();
      AtomicLong dropped = new AtomicLong();
      AtomicLong received = new AtomicLong();
      long start = System.nanoTime();
      ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
      List<Future<List<Long>>> runs = new ArrayList<>();
      for (int s = 0; s < streams; s++) {
        int id = s;
        runs.add(
            pool.submit(
                () -> runStream(client, id, width, height, out, errors, dropped, received)));
      }
      for (Future<List<Long>> f : runs) {
        latencies.addAll(f.get());
      }
      pool.shutdown();
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      out.printf(
          Locale.ROOT,
          "%d streams, %d results in %.2f s: %.1f frames/s; latency ms p50 %.2f p95 %.2f p99 %.2f;"
              + " errors %d; dropped %d%n",
          streams,
          received.get(),
          seconds,
          received.get() / seconds,
          percentile(sorted, 50),
          percentile(sorted, 95),
          percentile(sorted, 99),
          errors.get(),
          dropped.get());
      out.flush();
      return errors.get() == 0 ? 0 : CliErrors.RUNTIME;
    }
  }

  private FrameSource source(int width, int height, int stream) throws IOException {
    if (source.video != null) {
      return FrameSource.video(source.video, width, height);
    }
    if (source.images != null) {
      return FrameSource.images(source.images);
    }
    return FrameSource.synthetic(width, height, stream);
  }

  private List<Long> runStream(
      FramegateClient client,
      int id,
      int width,
      int height,
      PrintWriter out,
      AtomicLong errors,
      AtomicLong dropped,
      AtomicLong received)
      throws Exception {
    String streamId = "stream-" + id;
    Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    List<Long> latencies = new ArrayList<>();
    long[] count = {0};
    Semaphore window = new Semaphore(inFlight);
    FramegateClient.VideoStream stream =
        client.openStream(
            r -> {
              // This frame and those dropped in its favour are answered.
              window.release(1 + (int) Math.min(inFlight, r.getDroppedBefore()));
              long now = System.nanoTime();
              Long t = sentAt.remove(r.getSequence());
              synchronized (latencies) {
                if (t != null) {
                  latencies.add(now - t);
                }
              }
              received.incrementAndGet();
              dropped.addAndGet(r.getDroppedBefore());
              if (!r.getError().isEmpty()) {
                errors.incrementAndGet();
              }
              if (printEvery > 0 && count[0]++ % printEvery == 0) {
                print(out, r);
              }
            });
    try (FrameSource src = source(width, height, id)) {
      long period = fps > 0 ? (long) (1e9 / fps) : 0;
      long next = System.nanoTime();
      for (long seq = 0; seq < frames; seq++) {
        Frame.Builder f = src.next();
        if (f == null) {
          break;
        }
        if (period > 0) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          next += period;
        }
        window.acquire();
        sentAt.put(seq, System.nanoTime());
        stream.send(
            f.setStreamId(streamId)
                .setSequence(seq)
                .setTimestampUs(System.currentTimeMillis() * 1000)
                .setModel(model)
                .setLatestWins(latestWins)
                .setTopK(top)
                .build());
      }
      stream.complete();
    }
    Status end = stream.ended().get();
    if (!end.isOk()) {
      throw end.asRuntimeException();
    }
    synchronized (latencies) {
      return latencies;
    }
  }

  private static void print(PrintWriter out, FrameResult r) {
    String what =
        r.getError().isEmpty()
            ? r.getTopList().stream().map(StreamCommand::describe).collect(Collectors.joining(", "))
            : "error " + r.getError();
    synchronized (out) {
      out.printf(
          Locale.ROOT,
          "%s #%d: %s (server %.2f ms, batch %d)%n",
          r.getStreamId(),
          r.getSequence(),
          what,
          r.getTimings().getTotalUs() / 1000.0,
          r.getTimings().getBatchSize());
      out.flush();
    }
  }

  private static String describe(Class c) {
    return (c.getLabel().isEmpty() ? "#" + c.getIndex() : c.getLabel())
        + String.format(Locale.ROOT, " %.4f", c.getScore());
  }

  /** Nearest-rank percentile in milliseconds; 0 when there are no samples. */
  static double percentile(long[] sortedNanos, double p) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100 * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
  }
}
