/** Live counters: what was read and every dialect that was tolerated. */
export interface MultipartStats {
  /** Parts returned. */
  parts: number;
  /** Parts whose body was taken by Content-Length / Content-Size, without scanning. */
  lengthParts: number;
  /** Parts whose body was found by searching for the delimiter. */
  searchedParts: number;
  /** Declared lengths the bytes after the body did not confirm: that part was searched instead. */
  lengthMismatches: number;
  /** Length headers that were not a number or disagreed with each other: ignored. */
  invalidLengths: number;
  /** Parts whose length came from the legacy `Content-Size` header. */
  legacyLengths: number;
  /** Delimiter and header lines ended by a bare LF instead of CRLF. */
  lfOnlyLines: number;
  /** Bytes skipped before the first delimiter. */
  preambleBytes: number;
  /** Bytes ignored after a close delimiter. */
  epilogueBytes: number;
  /** Bytes skipped between a part taken by length and the next delimiter. */
  skippedBytes: number;
  /** Delimiter lines without two dashes before the declared boundary. */
  bareDelimiters: number;
  /** Delimiter lines with transport padding (spaces, tabs) before their line end. */
  paddedDelimiters: number;
  /** Close delimiters (`--B--`). */
  closeDelimiters: number;
  /** Delimiters that followed the body without a line break. */
  missingCrlfBeforeDelimiter: number;
  /** A first part whose headers started the stream, without a delimiter line. */
  missingFirstDelimiter: number;
  /**
   * Parts after the first with an empty line where their delimiter line should be (some Axis
   * firmwares), taken by their Content-Length.
   */
  missingDelimiters: number;
  /** Printable header lines without a colon, skipped. */
  skippedHeaderLines: number;
}

/** All counters at zero. */
export function createStats(): MultipartStats {
  return {
    parts: 0,
    lengthParts: 0,
    searchedParts: 0,
    lengthMismatches: 0,
    invalidLengths: 0,
    legacyLengths: 0,
    lfOnlyLines: 0,
    preambleBytes: 0,
    epilogueBytes: 0,
    skippedBytes: 0,
    bareDelimiters: 0,
    paddedDelimiters: 0,
    closeDelimiters: 0,
    missingCrlfBeforeDelimiter: 0,
    missingFirstDelimiter: 0,
    missingDelimiters: 0,
    skippedHeaderLines: 0,
  };
}
