import { describe, expect, it } from 'vitest';
import { chooseReadFallback, type ReadFailure, withRawParam } from '../src/fallback.js';

const safariFirstRead: ReadFailure = {
  contentType: 'multipart/x-mixed-replace; boundary=b',
  server: 'mjpeg-kit/0.1.0',
  bytesReceived: 0,
  rawRequested: false,
  imgAvailable: true,
};

describe('chooseReadFallback (the Safari path)', () => {
  it.each<[string, Partial<ReadFailure>, string]>([
    ['an mjpeg-kit server: retry with raw=1', {}, 'raw'],
    ['an mjpeg-kit server, any letter case', { server: 'MJPEG-Kit/2' }, 'raw'],
    ['another server in a page: plain <img>', { server: 'ustreamer/4.9' }, 'img'],
    ['no Server header in a page: plain <img>', { server: null }, 'img'],
    ['raw=1 already failed too: plain <img>', { rawRequested: true }, 'img'],
    ['another server without a DOM: reconnect', { server: 'motion', imgAvailable: false }, 'none'],
    ['bytes already arrived: an ordinary network error', { bytesReceived: 1 }, 'none'],
    ['not a multipart body: an ordinary network error', { contentType: 'application/octet-stream' }, 'none'],
    ['no Content-Type: an ordinary network error', { contentType: null }, 'none'],
    [
      'multipart/mixed counts as multipart',
      { contentType: 'Multipart/Mixed;boundary=x', server: 'x' },
      'img',
    ],
  ])('%s', (_, change, expected) => {
    expect(chooseReadFallback({ ...safariFirstRead, ...change })).toBe(expected);
  });
});

describe('withRawParam', () => {
  it('sets raw=1 and keeps the other parameters', () => {
    expect(withRawParam(new URL('http://h/stream?fps=5&raw=0')).href).toBe('http://h/stream?fps=5&raw=1');
    expect(withRawParam(new URL('http://h/av')).href).toBe('http://h/av?raw=1');
  });
});
