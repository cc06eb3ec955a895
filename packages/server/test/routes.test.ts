import { describe, expect, it } from 'vitest';
import { allowedMethods, type CameraSelector, type Route, routeOf } from '../src/routes.js';

function route(target: string) {
  const url = new URL(target, 'http://localhost');
  return routeOf(url.pathname, url.searchParams);
}

const DEFAULT: CameraSelector = { by: 'default' };
const named = (name: string): CameraSelector => ({ by: 'name', name });
const at = (index: number): CameraSelector => ({ by: 'index', index });

describe('routeOf: the URL table per camera', () => {
  it.each<[string, Route, CameraSelector]>([
    ['/stream', 'stream', DEFAULT],
    ['/video.mjpg', 'stream', DEFAULT],
    ['/stream.mjpg', 'stream', DEFAULT],
    ['/snapshot.jpg', 'snapshot', DEFAULT],
    ['/snapshot', 'snapshot', DEFAULT],
    ['/av', 'av', DEFAULT],
    ['/audio.wav', 'wav', DEFAULT],
    ['/state', 'state', DEFAULT],
    ['/', 'page', DEFAULT],
    ['/index.html', 'page', DEFAULT],
    ['/?action=stream', 'stream', DEFAULT],
    ['/?action=snapshot', 'snapshot', DEFAULT],
    ['/?action=stream_0', 'stream', at(0)],
    ['/?action=stream_2', 'stream', at(2)],
    ['/?action=snapshot_1', 'snapshot', at(1)],
    ['/index.html?action=snapshot_3', 'snapshot', at(3)],
    ['/?action=other', 'page', DEFAULT],
    ['/cams', 'cams', DEFAULT],
    ['/cams/', 'cams', DEFAULT],
    ['/cams/front/stream', 'stream', named('front')],
    ['/cams/front/snapshot.jpg', 'snapshot', named('front')],
    ['/cams/front/av', 'av', named('front')],
    ['/cams/front/audio.wav', 'wav', named('front')],
    ['/cams/front/state', 'camera-state', named('front')],
    ['/cams/No%20Such/stream', 'stream', named('No Such')],
    ['/webcam/?action=stream', 'stream', at(0)],
    ['/webcam?action=snapshot', 'snapshot', at(0)],
    ['/webcam2/?action=stream', 'stream', at(1)],
    ['/webcam2/?action=snapshot', 'snapshot', at(1)],
    ['/webcam12/?action=stream', 'stream', at(11)],
    ['/api/stream.mjpeg?src=desk', 'stream', named('desk')],
    ['/api/frame.jpeg?src=desk', 'snapshot', named('desk')],
    ['/api/frame.jpeg', 'snapshot', named('')],
    ['/metrics', 'metrics', DEFAULT],
  ])('%s → %s of %o', (target, expectedRoute, camera) => {
    expect(route(target)).toEqual({ route: expectedRoute, camera });
  });

  it.each([
    '/cams/front',
    '/cams/front/other',
    '/cams/front/stream/extra',
    '/cams//stream',
    '/webcam1/?action=stream',
    '/webcam2/',
    '/webcam2/?action=stream_1',
    '/webcamx/?action=stream',
    '/api/other',
    '/favicon.ico',
  ])('%s is not a route (a web-root file or next())', (target) => {
    expect(route(target)).toBeUndefined();
  });

  it.each<[Route, string]>([
    ['stream', 'GET, HEAD, POST'],
    ['snapshot', 'GET, HEAD, POST'],
    ['av', 'GET, HEAD, POST'],
    ['wav', 'GET, HEAD, POST'],
    ['state', 'GET, HEAD'],
    ['camera-state', 'GET, HEAD'],
    ['cams', 'GET, HEAD'],
    ['metrics', 'GET, HEAD'],
    ['page', 'GET, HEAD'],
  ])('%s allows %s', (name, methods) => {
    expect(allowedMethods(name)).toBe(methods);
  });
});
