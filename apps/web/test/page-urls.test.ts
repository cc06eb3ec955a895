import { describe, expect, it } from 'vitest';
import { buildDataUrl, resolveStreamUrl } from '../src/page-urls.js';

describe('buildDataUrl', () => {
  it.each([
    ['http://127.0.0.1:8080/', 'av', 'http://127.0.0.1:8080/av'],
    ['http://127.0.0.1:8080/cam/', 'av', 'http://127.0.0.1:8080/cam/av'],
    ['http://127.0.0.1:8080/cam/index.html?decoder=img#x', 'state', 'http://127.0.0.1:8080/cam/state'],
    ['https://example.net/a/b/cam/', 'snapshot.jpg', 'https://example.net/a/b/cam/snapshot.jpg'],
    ['https://example.net/cam/', 'stream?raw=1', 'https://example.net/cam/stream?raw=1'],
  ])('resolves data URLs under the page path behind a proxy prefix (#9): %s + %s', (page, path, expected) => {
    expect(buildDataUrl(path, page)).toBe(expected);
  });

  it.each(['av', 'state', 'snapshot.jpg', 'stream', 'stream?raw=1', 'audio.wav'])(
    'forwards the page key to %s (#9)',
    (path) => {
      const url = new URL(buildDataUrl(path, 'https://example.net/cam/?key=s%3Dcr%26t&decoder=img'));
      expect(url.searchParams.get('key')).toBe('s=cr&t');
      expect(url.pathname).toBe(`/cam/${path.replace(/\?.*$/, '')}`);
      expect(url.searchParams.has('decoder')).toBe(false);
    },
  );

  it('adds no key when the page has none', () => {
    expect(buildDataUrl('av', 'https://example.net/?decoder=img')).toBe('https://example.net/av');
  });
});

describe('resolveStreamUrl', () => {
  const page = 'https://example.net/cam/?key=tok';

  it('adds the page key to a same-origin stream URL, relative or absolute (#9)', () => {
    expect(resolveStreamUrl('stream', page)).toBe('https://example.net/cam/stream?key=tok');
    expect(resolveStreamUrl('https://example.net/other/av?audio=pcmu', page)).toBe(
      'https://example.net/other/av?audio=pcmu&key=tok',
    );
  });

  it('never sends the page key to another origin (#9)', () => {
    for (const other of [
      'https://camera.example.org/stream',
      'http://example.net/cam/stream',
      'https://example.net:8443/cam/stream',
    ]) {
      expect(resolveStreamUrl(other, page)).toBe(other);
    }
  });

  it('keeps a key the URL already names', () => {
    expect(resolveStreamUrl('https://example.net/cam/av?key=other', page)).toBe(
      'https://example.net/cam/av?key=other',
    );
  });

  it('throws TypeError on a string that is no URL', () => {
    expect(() => resolveStreamUrl('http://[oops', page)).toThrow(TypeError);
  });
});
