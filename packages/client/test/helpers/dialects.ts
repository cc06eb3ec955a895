import { bytes, FRAMES, hex, jpegSummaries, type PacketSummary } from './media.js';

/** A stream body as some real server sends it, and the packets a client must get out of it. */
export interface Dialect {
  name: string;
  /** Response headers (Content-Type at least). */
  headers: Record<string, string>;
  body: Uint8Array;
  parser: 'multipart' | 'jpeg-scan';
  expected: PacketSummary[];
}

const [F1, F2, F3] = FRAMES as [Uint8Array, Uint8Array, Uint8Array];
const T = '1795478025.321000';

/** 3 frames of PCM: 16 kHz mono L16 (20 ms = 640 bytes) and 8 kHz µ-law (160 bytes). */
const L16 = Uint8Array.from({ length: 640 }, (_, i) => (i * 7) & 0xff);
const PCMU = Uint8Array.from({ length: 160 }, (_, i) => 0xff - (i & 0x7f));

export const DIALECTS: Dialect[] = [
  {
    // ustreamer 4.x: delimiter first, Content-Length and X-Timestamp, CRLF after each body.
    name: 'ustreamer',
    headers: { 'content-type': 'multipart/x-mixed-replace;boundary=boundarydonotcross' },
    body: bytes(
      ...[F1, F2, F3].flatMap((frame) => [
        `--boundarydonotcross\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\nX-Timestamp: ${T}\r\n\r\n`,
        frame,
        '\r\n',
      ]),
      '--boundarydonotcross\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    // mjpg-streamer: a CRLF and the delimiter open the body; each part ends with CRLF--boundary.
    name: 'mjpg-streamer',
    headers: { 'content-type': 'multipart/x-mixed-replace;boundary=boundarydonotcross' },
    body: bytes(
      '\r\n--boundarydonotcross\r\n',
      ...[F1, F2, F3].flatMap((frame) => [
        `Content-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\nX-Timestamp: 1795478025.321000\r\n\r\n`,
        frame,
        '\r\n--boundarydonotcross\r\n',
      ]),
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    // motion: lower-case Content-type, a space-padded length.
    name: 'motion',
    headers: { 'content-type': 'multipart/x-mixed-replace; boundary=BoundaryString' },
    body: bytes(
      ...[F1, F2, F3].flatMap((frame) => [
        `--BoundaryString\r\nContent-type: image/jpeg\r\nContent-Length: ${String(frame.length).padStart(9)}\r\n\r\n`,
        frame,
        '\r\n',
      ]),
      '--BoundaryString\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    // ffmpeg -f mpjpeg -listen 1: multipart bytes served as application/octet-stream.
    name: 'ffmpeg mpjpeg',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes(
      ...[F1, F2, F3].flatMap((frame) => [
        `--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: ${frame.length}\r\n\r\n`,
        frame,
        '\r\n',
      ]),
      '--ffmpeg\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    // The seed's TwistedWeb server: legacy Content-Size, a bare LF after each body.
    name: 'seed (Content-Size, LF after body)',
    headers: { 'content-type': 'multipart/x-mixed-replace; boundary=myBOUNDARY' },
    body: bytes(
      ...[F1, F2, F3].flatMap((frame) => [
        `--myBOUNDARY\r\nContent-Type: image/jpeg\r\nContent-Size: ${frame.length}\r\n\r\n`,
        frame,
        '\n',
      ]),
      '--myBOUNDARY\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    name: 'boundary declared with leading dashes, no Content-Length',
    headers: { 'content-type': 'multipart/x-mixed-replace; boundary="--myboundary"' },
    body: bytes(
      ...[F1, F2, F3].flatMap((frame) => ['--myboundary\r\nCONTENT-TYPE: image/jpeg\r\n\r\n', frame, '\r\n']),
      '--myboundary\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    name: 'LF-only lines',
    headers: { 'content-type': 'multipart/x-mixed-replace;boundary=frame' },
    body: bytes(
      ...[F1, F2, F3].flatMap((frame) => [
        `--frame\nContent-Type: image/jpeg\nContent-Length: ${frame.length}\n\n`,
        frame,
        '\n',
      ]),
      '--frame\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    name: 'first part without delimiter',
    headers: { 'content-type': 'multipart/x-mixed-replace;boundary=frame' },
    body: bytes(
      'Content-Type: image/jpeg\r\n\r\n',
      F1,
      '\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n',
      F2,
      '\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n',
      F3,
      '\r\n--frame\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    name: 'Content-Length that lies (short, then long)',
    headers: { 'content-type': 'multipart/x-mixed-replace;boundary=lies' },
    body: bytes(
      `--lies\r\nContent-Type: image/jpeg\r\nContent-Length: ${F1.length - 100}\r\n\r\n`,
      F1,
      `\r\n--lies\r\nContent-Type: image/jpeg\r\nContent-Length: ${F2.length + 50}\r\n\r\n`,
      F2,
      `\r\n--lies\r\nContent-Type: image/jpeg\r\nContent-Length: ${F3.length}\r\n\r\n`,
      F3,
      '\r\n--lies\r\n',
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    // mjpeg-kit ?raw=1: octet-stream, boundary in X-Boundary, delimiter right after each body.
    name: 'mjpeg-kit raw=1 with X-Frame-Seq',
    headers: {
      'content-type': 'application/octet-stream',
      'x-boundary': 'mjk8f3a',
      server: 'mjpeg-kit/0.1.0',
    },
    body: bytes(
      '--mjk8f3a\r\n',
      ...[F1, F2, F3].flatMap((frame, i) => [
        `Content-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\nX-Timestamp: ${T}\r\nX-Frame-Seq: ${[7, 8, 11][i]}\r\n\r\n`,
        frame,
        '\r\n--mjk8f3a\r\n',
      ]),
    ),
    parser: 'multipart',
    expected: jpegSummaries([F1, F2, F3], [7, 8, 11]),
  },
  {
    // mjpeg-kit /av: frames and audio parts interleaved.
    name: 'mjpeg-kit /av with L16 and PCMU audio',
    headers: { 'content-type': 'multipart/x-mixed-replace;boundary=av' },
    body: bytes(
      '--av\r\n',
      `Content-Type: image/jpeg\r\nContent-Length: ${F1.length}\r\nX-Timestamp: ${T}\r\n\r\n`,
      F1,
      '\r\n--av\r\n',
      `Content-Type: audio/L16;rate=16000;channels=1\r\nContent-Length: ${L16.length}\r\nX-Timestamp: ${T}\r\n\r\n`,
      L16,
      '\r\n--av\r\n',
      `Content-Type: audio/PCMU;rate=8000\r\nContent-Length: ${PCMU.length}\r\n\r\n`,
      PCMU,
      '\r\n--av\r\n',
      `Content-Type: image/jpeg\r\nContent-Length: ${F2.length}\r\n\r\n`,
      F2,
      '\r\n--av\r\n',
    ),
    parser: 'multipart',
    expected: [
      ...jpegSummaries([F1]),
      { type: 'audio/L16', body: hex(L16), sampleRate: 16000, channels: 1 },
      { type: 'audio/PCMU', body: hex(PCMU), sampleRate: 8000, channels: 1 },
      ...jpegSummaries([F2]),
    ],
  },
  {
    // What Safari and Chrome hand a fetch of some cameras: the JPEG bytes only, although
    // multipart was declared.
    name: 'JPEG bytes only under a multipart Content-Type',
    headers: { 'content-type': 'multipart/x-mixed-replace; boundary=myBOUNDARY' },
    body: bytes(F1, F2, F3),
    parser: 'jpeg-scan',
    expected: jpegSummaries([F1, F2, F3]),
  },
  {
    name: 'bare JPEG stream with garbage between frames',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes(F1, 'garbage\r\n', F2, new Uint8Array([0xff, 0x00, 0xff]), F3),
    parser: 'jpeg-scan',
    expected: jpegSummaries([F1, F2, F3]),
  },
];
