package io.framegate.gateway.client;

import com.google.protobuf.ByteString;
import io.framegate.proto.video.Encoding;
import io.framegate.proto.video.Frame;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Frames to send: their encoding, size and bytes (stream id and sequence are the sender's). {@link
 * #next} returns null at the end.
 */
public interface FrameSource extends AutoCloseable {

  Frame.Builder next() throws IOException;

  @Override
  default void close() {}

  /** Seeded random RGB frames of {@code width×height}, endless. */
  static FrameSource synthetic(int width, int height, long seed) {
    Random random = new Random(seed);
    return () -> {
      byte[] px = new byte[width * height * 3];
      random.nextBytes(px);
      return Frame.newBuilder()
          .setEncoding(Encoding.RAW_RGB24)
          .setWidth(width)
          .setHeight(height)
          .setData(ByteString.copyFrom(px));
    };
  }

  /** The JPEG and PNG files of {@code dir} in name order, sent as they are, over and over. */
  static FrameSource images(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(
                  p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
                  })
              .sorted()
              .toList();
    }
    if (files.isEmpty()) {
      throw new IOException(dir + " holds no .jpg, .jpeg or .png files");
    }
    int[] at = {0};
    return () -> {
      Path f = files.get(at[0]++ % files.size());
      boolean png = f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png");
      return Frame.newBuilder()
          .setEncoding(png ? Encoding.PNG : Encoding.JPEG)
          .setData(ByteString.copyFrom(Files.readAllBytes(f)));
    };
  }

  /**
   * A video file decoded by {@code ffmpeg} (run as a subprocess) to raw RGB, scaled to {@code
   * width×height}; ends with the video.
   *
   * @throws IOException if ffmpeg is not installed, saying how to install it
   */
  static FrameSource video(Path file, int width, int height) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    Process p;
    try {
      p =
          new ProcessBuilder(
                  "ffmpeg",
                  "-nostdin",
                  "-v",
                  "error",
                  "-i",
                  file.toString(),
                  "-vf",
                  "scale=" + width + ":" + height,
                  "-f",
                  "rawvideo",
                  "-pix_fmt",
                  "rgb24",
                  "-")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run ffmpeg to decode "
              + file
              + " ("
              + e.getMessage()
              + "); install it, e.g. apt-get install ffmpeg",
          e);
    }
    DataInputStream in = new DataInputStream(p.getInputStream());
    int size = width * height * 3;
    return new FrameSource() {
      @Override
      public Frame.Builder next() throws IOException {
        byte[] px = new byte[size];
        try {
          in.readFully(px);
        } catch (EOFException e) {
          return null;
        }
        return Frame.newBuilder()
            .setEncoding(Encoding.RAW_RGB24)
            .setWidth(width)
            .setHeight(height)
            .setData(ByteString.copyFrom(px));
      }

      @Override
      public void close() {
        p.destroy();
        try {
          in.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }
}
