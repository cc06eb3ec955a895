/**
 * The page `/` serves when no web build is configured: the stream in a plain `<img>` and the
 * `/state` numbers, refreshed every second. Relative URLs, so it works behind a path prefix;
 * a `?key=` on the page is passed on to the stream and state requests.
 */
export const FALLBACK_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mjpeg-kit</title>
<style>
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: #111; color: #ddd; }
  main { max-width: 960px; margin: 0 auto; padding: 12px; }
  img { display: block; width: 100%; height: auto; background: #000; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
  dt { color: #888; }
  dd { margin: 0; font-variant-numeric: tabular-nums; }
  a { color: #8cf; }
</style>
</head>
<body>
<main>
  <img id="stream" src="stream" alt="live camera stream">
  <dl>
    <dt>source</dt><dd id="source">…</dd>
    <dt>frame rate</dt><dd id="fps">…</dd>
    <dt>resolution</dt><dd id="resolution">…</dd>
    <dt>viewers</dt><dd id="viewers">…</dd>
    <dt>sent</dt><dd id="bytes">…</dd>
    <dt>uptime</dt><dd id="uptime">…</dd>
  </dl>
  <p><a href="snapshot.jpg">snapshot</a> · <a href="audio.wav">audio</a> · <a href="state">state</a></p>
</main>
<script>
  const key = new URLSearchParams(location.search).get('key');
  const withKey = (path) => (key ? path + '?key=' + encodeURIComponent(key) : path);
  document.getElementById('stream').src = withKey('stream');
  for (const link of document.querySelectorAll('a')) link.href = withKey(link.getAttribute('href'));
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  async function refresh() {
    try {
      const state = await (await fetch(withKey('state'), { cache: 'no-store' })).json();
      const source = state.source;
      show('source', source.kind + (source.online ? ' (online)' : ' (offline' + (source.error ? ': ' + source.error : '') + ')'));
      show('fps', state.fps.toFixed(1) + ' fps');
      show('resolution', state.resolution.width + ' × ' + state.resolution.height);
      show('viewers', String(state.viewers));
      show('bytes', (state.bytesSent / 1048576).toFixed(1) + ' MiB');
      show('uptime', Math.round(state.uptimeSeconds) + ' s');
    } catch (error) {
      show('source', 'unreachable: ' + error.message);
    }
  }
  refresh();
  setInterval(refresh, 1000);
</script>
</body>
</html>
`;
