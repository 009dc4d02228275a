// Hand-built multipart/form-data bodies, for shapes FormData refuses to produce (raw filenames,
// wrong boundaries, truncation).

export interface Part {
  /** The whole Content-Disposition value, e.g. `form-data; name="file"; filename="a.txt"`. */
  disposition: string;
  contentType?: string;
  content: string | Buffer;
}

export const BOUNDARY = '----sealbin-test-boundary-7d3f';

/** Serialises parts with `boundary`; the Content-Disposition text goes out as UTF-8 bytes, unescaped. */
export function multipartBody(parts: Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: ${part.disposition}\r\n`;
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.from(part.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function multipartType(boundary = BOUNDARY): string {
  return `multipart/form-data; boundary=${boundary}`;
}

/** A `file` part with a filename written verbatim into the quoted parameter. */
export function filePart(content: string | Buffer, filename = 'a.txt', name = 'file'): Part {
  return { disposition: `form-data; name="${name}"; filename="${filename}"`, contentType: 'application/octet-stream', content };
}
