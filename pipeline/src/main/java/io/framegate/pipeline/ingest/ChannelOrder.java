package io.framegate.pipeline.ingest;

/** The order of colour planes a model was trained with (torchvision: RGB; Caffe/OpenCV: BGR). */
public enum ChannelOrder {
  RGB,
  BGR
}
