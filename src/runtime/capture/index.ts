export { CaptureWriter } from './capture-writer.js';
export { CaptureError, type CaptureWarning } from './errors.js';
export { finerThanMicroseconds, headerInterfaces } from './header-interfaces.js';
export { openCapture } from './open.js';
export { OutputFile, OutputSet } from './output-file.js';
export type { InterfaceInfo, PacketRecord } from './record.js';
export { recordFrame } from './record.js';
export type { CaptureSource, ReaderOptions } from './source.js';
export type { BufferLease } from './file-window.js';
