package io.framegate.hardware;

import java.nio.file.Path;

/**
 * How TornadoVM finds an FPGA's kernels: ahead-of-time bitstreams in a directory (HLS synthesis
 * takes hours, so serving never synthesises), or the vendor's emulator for functional checks.
 */
public record FpgaSettings(Path bitstreamDirectory, boolean emulation) {
  public FpgaSettings {
    if (bitstreamDirectory == null && !emulation) {
      throw new IllegalArgumentException(
          "fpga: give 'bitstream-directory' (ahead-of-time bitstreams) or set 'emulation: true'");
    }
  }
}
