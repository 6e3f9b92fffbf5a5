package io.framegate.pipeline.ingest;

import io.framegate.accelerator.error.InvalidInputException;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/** JPEG and PNG through {@link javax.imageio}, checked against the size limit before decoding. */
final class ImageDecoder {
  private ImageDecoder() {}

  static Pixels decode(EncodedImage image) {
    String format = image.encoding() == Encoding.JPEG ? "jpeg" : "png";
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new IllegalStateException("this JVM has no " + format + " decoder");
    }
    ImageReader reader = readers.next();
    // A memory cache: the default ImageIO stream may spill to a temporary file.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new BufferInput(image.data()))) {
      reader.setInput(in, true, true);
      int w = reader.getWidth(0);
      int h = reader.getHeight(0);
      // Checked from the header, so an oversized image is refused before memory is spent on it.
      if (w < 1 || h < 1 || w > ModelInputSpec.MAX_SIDE || h > ModelInputSpec.MAX_SIDE) {
        throw new InvalidInputException(
            image.encoding()
                + " image is "
                + w
                + "x"
                + h
                + "; each side must be between 1 and "
                + ModelInputSpec.MAX_SIDE);
      }
      if ((image.width() != 0 && image.width() != w)
          || (image.height() != 0 && image.height() != h)) {
        throw new InvalidInputException(
            image.encoding()
                + " frame declares "
                + image.width()
                + "x"
                + image.height()
                + " but the image is "
                + w
                + "x"
                + h);
      }
      return pixels(reader.read(0));
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidInputException bad) {
        throw bad;
      }
      throw new InvalidInputException(
          "frame is not a readable " + image.encoding() + " image: " + e.getMessage(), e);
    } finally {
      reader.dispose();
    }
  }

  /** Reads 8-bit RGB, RGBA and grey rasters in place; converts anything else to 8-bit BGR. */
  private static Pixels pixels(BufferedImage img) {
    Raster r = img.getRaster();
    if (r.getDataBuffer() instanceof DataBufferByte bytes
        && bytes.getNumBanks() == 1
        && bytes.getOffset() == 0
        && r.getSampleModelTranslateX() == 0
        && r.getSampleModelTranslateY() == 0
        && r.getSampleModel() instanceof PixelInterleavedSampleModel sm
        && img.getColorModel() instanceof ComponentColorModel cm
        && cm.getComponentSize(0) == 8) {
      ByteBuffer data = ByteBuffer.wrap(bytes.getData());
      int[] band = sm.getBandOffsets();
      int type = cm.getColorSpace().getType();
      int bands = sm.getNumBands();
      if (type == ColorSpace.TYPE_GRAY && bands == 1) {
        return new Pixels(
            data,
            img.getWidth(),
            img.getHeight(),
            sm.getScanlineStride(),
            sm.getPixelStride(),
            band[0],
            band[0],
            band[0]);
      }
      if (cm.getColorSpace().isCS_sRGB() && (bands == 3 || bands == 4)) {
        // Band order is R, G, B (then alpha, ignored) whatever the byte order.
        return new Pixels(
            data,
            img.getWidth(),
            img.getHeight(),
            sm.getScanlineStride(),
            sm.getPixelStride(),
            band[0],
            band[1],
            band[2]);
      }
    }
    BufferedImage bgr =
        new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = bgr.createGraphics();
    try {
      g.drawImage(img, 0, 0, null);
    } finally {
      g.dispose();
    }
    return pixels(bgr);
  }

  /** An input stream over a buffer's remaining bytes, without copying them. */
  private static final class BufferInput extends InputStream {
    private final ByteBuffer buf;

    BufferInput(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public int read() {
      return buf.hasRemaining() ? buf.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (!buf.hasRemaining()) {
        return -1;
      }
      int n = Math.min(len, buf.remaining());
      buf.get(b, off, n);
      return n;
    }

    @Override
    public int available() {
      return buf.remaining();
    }
  }
}
