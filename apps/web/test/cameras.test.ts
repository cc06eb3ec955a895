import { describe, expect, it } from 'vitest';
import { cameraUrl, parseCameraList } from '../src/cameras.js';

describe('parseCameraList', () => {
  it('keeps the server’s order, names, online and audio flags', () => {
    const json = [
      {
        name: 'door',
        online: true,
        fps: 15,
        resolution: { width: 640, height: 480 },
        viewers: 0,
        audio: true,
      },
      { name: 'yard', online: false, fps: 0, resolution: { width: 0, height: 0 }, viewers: 1, audio: false },
    ];
    expect(parseCameraList(json)).toEqual([
      { name: 'door', online: true, audio: true },
      { name: 'yard', online: false, audio: false },
    ]);
  });

  it('skips entries without a name and reads anything but a list as no cameras', () => {
    expect(parseCameraList([null, 3, { online: true }, { name: '' }, { name: 'a' }])).toEqual([
      { name: 'a', online: false, audio: false },
    ]);
    expect(parseCameraList({ error: 'not found' })).toEqual([]);
  });
});

describe('cameraUrl', () => {
  it('stays under the page’s path and carries the page’s key', () => {
    expect(cameraUrl('door', 'stream', 'https://example.net/cam/?key=s3cret&cam=yard')).toBe(
      'https://example.net/cam/cams/door/stream?key=s3cret',
    );
    expect(cameraUrl('yard', 'av', 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/cams/yard/av');
  });
});
