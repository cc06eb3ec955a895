// The opening of the ffmpeg command lines the tests run, where only errors should reach stderr.

/** ffmpeg's arguments to read `input` as `format`: no banner, no stdin, errors only on stderr. */
export function quietFfmpegInput(format: string, input: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', format, '-i', input];
}
