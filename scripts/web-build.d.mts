// Types for scripts/web-build.mjs, so TypeScript tests can import it.
export declare const WEB_BUDGET_BYTES: number;
export interface WebFileSize {
  file: string;
  gzipBytes: number;
}
export declare function checkWebBudget(sizes: readonly WebFileSize[], limit?: number): number;
export declare function integrityOf(bytes: Uint8Array): string;
export interface WebManifest {
  script: { file: string; integrity: string };
  style: { file: string; integrity: string };
  worker: { file: string };
  gzip_bytes: number;
}
export declare function buildWeb(options: { srcDir: string; outdir: string; limit?: number; log?: (line: string) => void }): Promise<WebManifest>;
