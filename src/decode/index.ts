export { FrameDecoder, type DecodeOptions } from './decoder.js';
export { LINKTYPE, linkTypeName, isSupportedLinkType } from './link-types.js';
export { openFrames, takeFrames, isDamaged, type FrameSource, type FrameSourceOptions, type SourcedFrame } from './frames.js';
export { compileCaptureFilter, pointAt, FilterSyntaxError, type FramePredicate } from './capture-filter.js';
export { openRawFrames, type RawFrames } from './raw-frames.js';
export { CLOCK_OFFSET_NOTICE, measureClockOffsets, type ClockOffset } from './clock-offset.js';
