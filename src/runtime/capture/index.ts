export { CaptureWriter, type CaptureWriterOptions } from './capture-writer.js';
export { CaptureError, type CaptureErrorCode, type CaptureWarning, type CaptureWarningKind } from './errors.js';
export { tempPathFor } from './file-sink.js';
export { detectCaptureFormat } from './magic.js';
export { captureInterfaces, listLinkTypes, openCapture } from './open.js';
export { PcapReader } from './pcap-reader.js';
export { PcapngReader } from './pcapng-reader.js';
export type { CaptureFormat, InterfaceInfo, PacketRecord } from './record.js';
export { type CaptureSource, DEFAULT_MAX_CAPLEN, type ReaderOptions, type TruncationPoint } from './source.js';
